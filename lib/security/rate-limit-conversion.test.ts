import { describe, expect, it } from "vitest";
import { convertRequestsPerWindow, type RequestsPerWindow } from "./rate-limit-conversion";
import { ZSettingsRules } from "./spec/schemas";
import type { RateLimitSettings } from "./spec/protections";

// A rate limit stored as requests per window becomes what nginx enforces, never stricter than it was.

const perSecond = (s: RateLimitSettings) => (s.unit === "second" ? s.rate : s.rate / 60);
const convert = (requests: number, windowSec: number, burst: number) => convertRequestsPerWindow({ requests, windowSec, burst });

describe("converting requests per window to a rate", () => {
  it("the old defaults (100 per 60 s, burst 10) become the new defaults (100 per minute, burst 10)", () => {
    expect(convert(100, 60, 10)).toEqual({ settings: { rate: 100, unit: "minute", burst: 10, excess: "reject" }, notes: [] });
  });

  it("the old default rate with another burst is converted by the rule (the burst covers a window's requests)", () => {
    expect(convert(100, 60, 20).settings).toEqual({ rate: 100, unit: "minute", burst: 100, excess: "reject" });
  });

  it("a whole number of requests per minute is kept exactly, per minute", () => {
    expect(convert(300, 60, 20).settings).toEqual({ rate: 300, unit: "minute", burst: 300, excess: "reject" });
    expect(convert(250, 10, 5).settings).toEqual({ rate: 1500, unit: "minute", burst: 250, excess: "reject" });
    expect(convert(1000, 1, 0).settings).toEqual({ rate: 60_000, unit: "minute", burst: 1000, excess: "reject" });
    // Exactly the bound: still per minute.
    expect(convert(5000, 3, 0).settings).toMatchObject({ rate: 100_000, unit: "minute" });
  });

  it("below 60 per minute, rounded up per minute (at least 1)", () => {
    expect(convert(7, 9, 0).settings).toMatchObject({ rate: 47, unit: "minute" }); // 46.67 per minute
    expect(convert(1, 86_400, 0).settings).toMatchObject({ rate: 1, unit: "minute" }); // 0.0007 per minute
    expect(convert(59, 60, 0).settings).toMatchObject({ rate: 59, unit: "minute" });
  });

  it("60 per minute or more but not whole, or above 100,000 per minute: rounded up per second", () => {
    expect(convert(100, 7, 0).settings).toMatchObject({ rate: 15, unit: "second" }); // 857.14 per minute
    expect(convert(5000, 1, 0).settings).toMatchObject({ rate: 5000, unit: "second" }); // 300,000 per minute
    expect(convert(100_001, 60, 0).settings).toMatchObject({ rate: 1667, unit: "second" }); // 100,001 per minute
  });

  it("the burst is the larger of the old burst and the requests of one window", () => {
    expect(convert(50, 60, 80).settings.burst).toBe(80);
    expect(convert(80, 60, 50).settings.burst).toBe(80);
    expect(convert(3, 1, 0).settings.burst).toBe(3);
  });

  it("values past the new bounds are capped, and each cap is said with the original value", () => {
    expect(convert(1_000_000, 1, 0)).toEqual({
      settings: { rate: 100_000, unit: "second", burst: 100_000, excess: "reject" },
      notes: ["rate 1000000 per second capped to 100000", "burst 1000000 capped to 100000"],
    });
    expect(convert(200_000, 86_400, 0)).toEqual({
      settings: { rate: 3, unit: "second", burst: 100_000, excess: "reject" }, // 138.9 per minute
      notes: ["burst 200000 capped to 100000"],
    });
  });

  it("stored values that are no limit at all (0 requests, a window of 0) give the defaults, said", () => {
    const zero = convert(0, 60, 10);
    expect(zero.settings).toEqual({ rate: 100, unit: "minute", burst: 10, excess: "reject" });
    expect(zero.notes).toEqual(["the stored limit (0 requests per 60 s, burst 10) is not a limit: the defaults were used"]);
    expect(convert(100, 0, 10).notes).toHaveLength(1);
  });

  it("never stricter: the rate is at least the old one and the burst at least the old burst and a window's requests (unless capped)", () => {
    const samples: RequestsPerWindow[] = [];
    for (const requests of [1, 2, 7, 59, 60, 61, 99, 100, 101, 997, 1000, 6000, 99_999, 100_000, 250_000]) {
      for (const windowSec of [1, 2, 3, 7, 10, 59, 60, 61, 120, 3600, 86_400]) samples.push({ requests, windowSec, burst: (requests * 7) % 13 });
    }
    for (const old of samples) {
      const { settings, notes } = convertRequestsPerWindow(old);
      expect(ZSettingsRules.rate_limit.safeParse(settings).success, JSON.stringify(old)).toBe(true);
      if (notes.some((n) => n.startsWith("rate"))) expect(settings.rate).toBe(100_000);
      else expect(perSecond(settings), JSON.stringify(old)).toBeGreaterThanOrEqual(old.requests / old.windowSec);
      if (notes.some((n) => n.startsWith("burst"))) expect(settings.burst).toBe(100_000);
      else expect(settings.burst, JSON.stringify(old)).toBeGreaterThanOrEqual(Math.max(old.burst, old.requests));
    }
  });
});
