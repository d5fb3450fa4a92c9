import { describe, expect, it } from "vitest";
import { appsecRows } from "./appsec-rows";

const waf = { enabled: true, settings: { mode: "block" as const, paranoia: 2, inboundThreshold: 10, outboundThreshold: 4 } };
const actual = { engine: "DetectionOnly", mode: "detect", paranoia: 2, inboundThreshold: 5, outboundThreshold: 4, path: "/d/waf/crs-tuning.conf" };

describe("appsecRows", () => {
  it("the intent beside the file, and which rows the detector found different", () => {
    const rows = appsecRows(waf, {
      verdict: "drift",
      actual,
      differences: [
        { item: "WAF mode", expected: "block (SecRuleEngine On)", actual: "detect (SecRuleEngine DetectionOnly)" },
        { item: "inbound threshold", expected: "10", actual: "5" },
      ],
    });
    expect(rows.map((r) => [r.label, r.intent, r.runtime, r.match])).toEqual([
      ["Mode", "block", "detect (SecRuleEngine DetectionOnly)", "differs"],
      ["Paranoia level", "2", "2", "same"],
      ["Inbound anomaly threshold", "10", "5", "differs"],
      ["Outbound anomaly threshold", "4", "4", "same"],
    ]);
  });

  it("a file that cannot be read: the runtime side is unknown, never 'same'", () => {
    const rows = appsecRows({ ...waf, enabled: false }, { verdict: "cannot_verify", actual: null, differences: [] });
    expect(rows.every((r) => r.runtime === "unknown" && r.match === "unknown")).toBe(true);
    expect(rows[0]!.intent).toBe("block (WAF switched off)");
  });

  it("a setting missing from the file says so", () => {
    const rows = appsecRows(waf, { verdict: "drift", actual: { ...actual, engine: null, mode: null, outboundThreshold: null }, differences: [] });
    expect(rows[0]!.runtime).toBe("not set (no SecRuleEngine)");
    expect(rows[3]!.runtime).toBe("not set");
  });
});
