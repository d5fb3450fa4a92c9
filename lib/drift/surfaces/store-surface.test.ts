import { describe, expect, it } from "vitest";
import { CONFIG_ROW_MISSING, compareStore, storeBanner, storeDifference } from "./store-surface";

describe("compareStore", () => {
  it("is in sync when the mirror agrees", () => {
    const r = compareStore({ consistent: true, configPresent: true, mismatches: [] });
    expect(r).toMatchObject({ surface: "store", verdict: "in_sync", differences: [], reason: null });
    expect(storeBanner(r)).toBeNull();
  });

  it("words mismatches without the mirror's type prefix", () => {
    const r = compareStore({
      consistent: false,
      configPresent: true,
      mismatches: [
        { key: "security.waf.mode", config: "string:block", mirror: "string:detect" },
        { key: "security.waf.paranoia", config: "number:2", mirror: null },
        { key: "security.legacy.flag", config: null, mirror: "boolean:true" },
        { key: "security.crowdsec.lapi_url", config: "null:", mirror: "string:http://127.0.0.1:8080" },
      ],
    });
    expect(r.verdict).toBe("drift");
    expect(r.differences).toEqual([
      { item: "security.waf.mode", expected: "block", actual: "detect" },
      { item: "security.waf.paranoia", expected: "2", actual: "missing from the mirror" },
      { item: "security.legacy.flag", expected: "no such field in the config", actual: "true" },
      { item: "security.crowdsec.lapi_url", expected: "null", actual: "http://127.0.0.1:8080" },
    ]);
    expect(r.actual).toEqual({ configRow: true, mismatchedKeys: 4 });
    expect(storeBanner(r)).toBe(
      "settings mirror disagrees with security config: security.waf.mode, security.waf.paranoia, security.legacy.flag, security.crowdsec.lapi_url",
    );
  });

  it("shows the type when the values alone look equal", () => {
    expect(storeDifference({ key: "security.waf.paranoia", config: "number:2", mirror: "string:2" })).toEqual({
      item: "security.waf.paranoia",
      expected: "2 (number)",
      actual: "2 (string)",
    });
    expect(storeDifference({ key: "k", config: "string:", mirror: "null:" })).toEqual({ item: "k", expected: '"" (empty)', actual: "null" });
  });

  it("makes the banner from one key, and shortens a long list", () => {
    const one = compareStore({
      consistent: false,
      configPresent: true,
      mismatches: [{ key: "security.waf.mode", config: "string:block", mirror: "string:detect" }],
    });
    expect(storeBanner(one)).toBe("settings mirror disagrees with security config: security.waf.mode");
    const many = compareStore({
      consistent: false,
      configPresent: true,
      mismatches: Array.from({ length: 8 }, (_, i) => ({ key: `security.k${i}`, config: "number:1", mirror: "number:2" })),
    });
    expect(storeBanner(many)).toBe(
      "settings mirror disagrees with security config: security.k0, security.k1, security.k2, security.k3, security.k4 and 3 more",
    );
  });

  it("reports a missing config row as drift of its own, counting the mirror's keys", () => {
    const r = compareStore({
      consistent: false,
      configPresent: false,
      mismatches: [
        { key: "security.version", config: null, mirror: "number:3" },
        { key: "security.waf.mode", config: null, mirror: "string:block" },
      ],
    });
    expect(r).toMatchObject({ verdict: "drift", differences: [{ item: "security config row", expected: "present", actual: "missing" }] });
    expect(r.actual).toEqual({ configRow: false, mirrorKeys: 2 });
    expect(storeBanner(r)).toBe(CONFIG_ROW_MISSING);
    expect(CONFIG_ROW_MISSING).toBe("security config row missing");
  });
});
