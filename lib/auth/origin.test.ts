import { afterEach, describe, expect, it } from "vitest";
import { clientIp } from "./client-info";
import { isCrossSite } from "./origin";

// Mutating API routes refuse cross-site browser requests (Sec-Fetch-Site, Origin); the client IP used
// for lockout and audit cannot be chosen by the client unless a trusted proxy sets it.

const headers = (h: Record<string, string>) => new Headers(h);

describe("isCrossSite", () => {
  it.each([
    [{ "sec-fetch-site": "cross-site" }, true],
    [{ "sec-fetch-site": "same-site" }, true],
    [{ "sec-fetch-site": "same-origin" }, false],
    [{ "sec-fetch-site": "none" }, false],
    [{ origin: "https://evil.example", host: "warden.example" }, true],
    [{ origin: "https://warden.example.evil.example", host: "warden.example" }, true],
    [{ origin: "http://warden.example:8080", host: "warden.example" }, true],
    [{ origin: "null", host: "warden.example" }, true],
    [{ origin: "https://warden.example", host: "warden.example" }, false],
    [{ origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }, false],
    [{ origin: "https://warden.example", host: "internal:3000", "x-forwarded-host": "warden.example" }, false],
    [{ "sec-fetch-site": "same-origin", origin: "https://evil.example", host: "warden.example" }, true],
    [{ "sec-fetch-site": "cross-site", origin: "https://warden.example", host: "warden.example" }, true],
    [{}, false],
    [{ host: "warden.example" }, false],
  ])("%j → %s", (h, expected) => {
    expect(isCrossSite(headers(h))).toBe(expected);
  });
});

describe("clientIp", () => {
  afterEach(() => {
    process.env.WARDEN_HTTP_SERVER = "warden";
  });

  it("behind server.mjs: the address it wrote into X-Forwarded-For", () => {
    expect(clientIp(headers({ "x-forwarded-for": "203.0.113.9" }))).toBe("203.0.113.9");
    expect(clientIp(headers({}))).toBeNull();
  });

  it("under a bare `next start` (no server.mjs): unknown, never the header a client could have written", () => {
    delete process.env.WARDEN_HTTP_SERVER;
    expect(clientIp(headers({ "x-forwarded-for": "203.0.113.9" }))).toBeNull();
  });

  it("an absurd header is bounded", () => {
    expect(clientIp(headers({ "x-forwarded-for": "1".repeat(10_000) }))!.length).toBeLessThanOrEqual(64);
  });
});
