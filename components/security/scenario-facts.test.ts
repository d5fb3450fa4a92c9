import { describe, expect, it } from "vitest";
import type { ScenarioEntry } from "@/lib/drift/scenario-list";
import { runtimeText, scenarioCounts, type ScenarioListResponse } from "./scenario-facts";

const entry = (name: string, wanted: boolean, onDisk: boolean | null): ScenarioEntry => ({
  name,
  intent: { enabled: wanted, version: 1, changedBy: "system", changedAt: null },
  runtime: onDisk === null ? null : { enabled: onDisk, kind: onDisk ? "hub" : null },
  drift: onDisk !== null && onDisk !== wanted,
});
const list = (scenarios: ScenarioEntry[], over: Partial<ScenarioListResponse> = {}): ScenarioListResponse => ({
  scenarios,
  total: scenarios.length,
  matched: scenarios.length,
  runtime: { readable: true, dir: "/i/etc/scenarios", problems: [] },
  ...over,
});

describe("scenarioCounts", () => {
  it("totals, enabled on disk, and how many differ", () => {
    const l = list([entry("a/1", true, true), entry("a/2", false, true), entry("a/3", false, false)]);
    expect(scenarioCounts(l, "")).toBe("3 scenarios, 2 enabled on disk, 1 differs");
    expect(scenarioCounts(list([entry("a/1", true, true)]), "")).toBe("1 scenario, 1 enabled on disk, 0 differ");
  });

  it("with a search: how many of the whole list matched", () => {
    const l = list([entry("crowdsecurity/ssh-bf", false, true)], { total: 112, matched: 1 });
    expect(scenarioCounts(l, "ssh")).toBe("1 of 112 scenarios match “ssh”, 1 enabled on disk, 1 differs");
  });

  it("a runtime that cannot be read: its side is unknown, not zero", () => {
    const l = list([entry("a/1", true, null)], { runtime: { readable: false, reason: "missing" } });
    expect(scenarioCounts(l, "")).toBe("1 scenario, runtime unknown");
  });

  it("a truncated page says the counts cover the rows shown", () => {
    const l = list([entry("a/1", true, true)], { total: 900, matched: 900 });
    expect(scenarioCounts(l, "")).toBe("900 scenarios; among the first 1 shown: 1 enabled on disk, 0 differ (search to narrow the list)");
  });
});

describe("runtimeText", () => {
  it("says what is on disk, and unknown when unreadable", () => {
    expect(runtimeText({ enabled: true, kind: "hub" })).toBe("enabled on disk");
    expect(runtimeText({ enabled: true, kind: "local" })).toBe("enabled on disk · local file");
    expect(runtimeText({ enabled: false, kind: null })).toBe("not enabled");
    expect(runtimeText(null)).toBe("unknown");
  });
});
