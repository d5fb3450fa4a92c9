import { describe, expect, it } from "vitest";
import { applyClientHeaders, parseTrustedProxies, refuseLegacyTrustProxy, resolveClient } from "./request-trust.mjs";

// Who the client is: the socket's peer, unless that peer is a trusted proxy; then the forwarded chain
// is walked from the right past trusted hops. A client can never choose its own address.

const none = parseTrustedProxies(undefined);
const proxies = parseTrustedProxies("10.0.0.0/8, 127.0.0.1, 2001:db8::/32");

describe("parseTrustedProxies", () => {
  it("accepts addresses and CIDR ranges of both families; empty means none", () => {
    expect(parseTrustedProxies("").entries).toEqual([]);
    expect(proxies.entries).toEqual(["10.0.0.0/8", "127.0.0.1", "2001:db8::/32"]);
  });

  it.each(["10.0.0.0/33", "::1/129", "proxy.example", "10.0.0.1/8/2", "10.0.0.1/x", "*", "10.0.0.256"])("refuses %j naming the variable", (value) => {
    expect(() => parseTrustedProxies(value)).toThrow(/^WARDEN_TRUSTED_PROXIES: .* (is not an IP address or CIDR range|has an invalid prefix length)/);
  });
});

describe("resolveClient", () => {
  it("without trusted proxies the socket's peer is the client, whatever the headers claim", () => {
    const forged = {
      "x-forwarded-for": "1.2.3.4",
      "x-real-ip": "5.6.7.8",
      forwarded: "for=9.9.9.9",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "evil.example",
    };
    expect(resolveClient("203.0.113.7", forged, none)).toEqual({ address: "203.0.113.7", proto: "http", host: null, viaProxy: false, malformed: null });
    expect(resolveClient("::ffff:203.0.113.7", forged, none).address).toBe("203.0.113.7");
  });

  it("an untrusted peer's headers are ignored even when proxies are configured", () => {
    expect(resolveClient("198.51.100.1", { "x-forwarded-for": "1.2.3.4" }, proxies).address).toBe("198.51.100.1");
  });

  it("walks X-Forwarded-For from the right past trusted hops: a prefix the client wrote is never reached", () => {
    // client wrote "6.6.6.6"; the outer proxy 10.0.0.5 appended the real client; 10.0.0.9 appended 10.0.0.5.
    const headers = { "x-forwarded-for": "6.6.6.6, 198.51.100.20, 10.0.0.5" };
    expect(resolveClient("10.0.0.9", headers, proxies).address).toBe("198.51.100.20");
  });

  it("when every hop is trusted the leftmost one is the client", () => {
    expect(resolveClient("127.0.0.1", { "x-forwarded-for": "10.1.1.1, 10.0.0.2" }, proxies).address).toBe("10.1.1.1");
  });

  it("a trusted peer without the header is itself the client; repeated headers are joined", () => {
    expect(resolveClient("127.0.0.1", {}, proxies).address).toBe("127.0.0.1");
    expect(resolveClient("127.0.0.1", { "x-forwarded-for": ["192.0.2.1", "10.0.0.3"] }, proxies).address).toBe("192.0.2.1");
  });

  it("IPv6 proxies and clients", () => {
    expect(resolveClient("2001:db8::1", { "x-forwarded-for": "2001:db9::7" }, proxies).address).toBe("2001:db9::7");
  });

  it("a garbage hop stops the walk at the proxy that sent it, and says so", () => {
    const result = resolveClient("127.0.0.1", { "x-forwarded-for": "198.51.100.1, <script>, 10.0.0.2" }, proxies);
    expect(result).toMatchObject({ address: "10.0.0.2", malformed: "<script>" });
  });

  it("scheme and host come only from a trusted proxy, and only when well-formed", () => {
    expect(resolveClient("127.0.0.1", { "x-forwarded-proto": "https, http", "x-forwarded-host": "warden.example.org" }, proxies)).toMatchObject({
      proto: "https",
      host: "warden.example.org",
    });
    expect(resolveClient("127.0.0.1", { "x-forwarded-proto": "gopher", "x-forwarded-host": "evil.example/path" }, proxies)).toMatchObject({
      proto: "http",
      host: null,
    });
    expect(resolveClient("198.51.100.1", { "x-forwarded-proto": "https", "x-forwarded-host": "evil.example" }, proxies)).toMatchObject({
      proto: "http",
      host: null,
    });
  });
});

describe("applyClientHeaders", () => {
  it("removes every forwarding header the client sent and writes the resolved ones", () => {
    const headers: Record<string, string | string[] | undefined> = {
      host: "panel.example",
      forwarded: "for=1.1.1.1",
      "x-forwarded-for": "1.1.1.1",
      "x-forwarded-host": "evil.example",
      "x-forwarded-port": "1",
      "x-forwarded-proto": "https",
      "x-real-ip": "2.2.2.2",
    };
    applyClientHeaders(headers, resolveClient("203.0.113.7", headers, none));
    expect(headers).toEqual({ host: "panel.example", "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "http" });
  });
});

describe("refuseLegacyTrustProxy", () => {
  it("refuses WARDEN_TRUST_PROXY in any form, naming the new variable", () => {
    for (const value of ["true", "false", ""])
      expect(() => refuseLegacyTrustProxy({ WARDEN_TRUST_PROXY: value })).toThrow(/WARDEN_TRUST_PROXY is no longer supported.*WARDEN_TRUSTED_PROXIES/);
    expect(() => refuseLegacyTrustProxy({})).not.toThrow();
  });
});
