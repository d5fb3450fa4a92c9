import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareAppsec, readTuningFile, type AppsecIntent } from "./tuning-diff";
import { renderTuningFile } from "./tuning-file";

const FILE = "/srv/warden/waf/warden-crs-tuning.conf";
const settings = { mode: "block" as const, paranoia: 2, inboundThreshold: 10, outboundThreshold: 8 };
const on: AppsecIntent = { enabled: true, settings };
const off: AppsecIntent = { enabled: false, settings };
const text = (t: string) => ({ kind: "text" as const, text: t });

describe("compareAppsec", () => {
  it("is in sync with the file Warden renders, with small summaries", () => {
    const r = compareAppsec(on, text(renderTuningFile(settings)), FILE);
    expect(r.verdict).toBe("in_sync");
    expect(r.differences).toEqual([]);
    expect(r.reason).toBeNull();
    expect(r.expected).toEqual({ enabled: true, mode: "block", paranoia: 2, inboundThreshold: 10, outboundThreshold: 8, path: FILE });
    expect(r.actual).toMatchObject({
      engine: "On",
      mode: "block",
      paranoia: 2,
      inboundThreshold: 10,
      outboundThreshold: 8,
      ruleIds: [900000, 900110],
      warningCount: 0,
    });
  });

  it("words each difference for an admin", () => {
    const edited = renderTuningFile({ mode: "detect", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 });
    const r = compareAppsec(on, text(edited), FILE);
    expect(r.verdict).toBe("drift");
    expect(r.differences).toEqual([
      { item: "WAF mode", expected: "block (SecRuleEngine On)", actual: "detect (SecRuleEngine DetectionOnly)" },
      { item: "paranoia level", expected: "2", actual: "1" },
      { item: "inbound threshold", expected: "10", actual: "5" },
      { item: "outbound threshold", expected: "8", actual: "4" },
    ]);
  });

  it("reports settings the file does not set, with the CRS default", () => {
    const r = compareAppsec(on, text('SecAction "id:900110,setvar:tx.inbound_anomaly_score_threshold=10"\n'), FILE);
    expect(r.differences).toEqual([
      { item: "WAF mode", expected: "block (SecRuleEngine On)", actual: "not set in the file (no SecRuleEngine)" },
      { item: "paranoia level", expected: "2", actual: "not set (CRS default 1)" },
      { item: "outbound threshold", expected: "8", actual: "not set (CRS default 4)" },
    ]);
  });

  it("compares each paranoia name that is set (a hand edit of one of them is drift)", () => {
    const hand = renderTuningFile(settings).replace("setvar:tx.blocking_paranoia_level=2", "setvar:tx.blocking_paranoia_level=4");
    const r = compareAppsec(on, text(hand), FILE);
    expect(r.differences).toEqual([{ item: "paranoia level", expected: "2", actual: "2 (tx.paranoia_level), 4 (tx.blocking_paranoia_level)" }]);
    // A file written for one CRS version only, with the right value, is in sync.
    const crs3Only = `SecRuleEngine On\nSecAction "id:900000,setvar:tx.paranoia_level=2"\nSecAction "id:900110,setvar:tx.inbound_anomaly_score_threshold=10,setvar:tx.outbound_anomaly_score_threshold=8"`;
    expect(compareAppsec(on, text(crs3Only), FILE).verdict).toBe("in_sync");
  });

  it("carries the parser's warnings in the actual summary (capped)", () => {
    const dupes =
      renderTuningFile(settings) + Array.from({ length: 15 }, (_, i) => `SecAction "id:${i + 1},setvar:tx.inbound_anomaly_score_threshold=10"`).join("\n");
    const r = compareAppsec(on, text(dupes), FILE);
    expect(r.verdict).toBe("in_sync");
    expect(r.actual?.warningCount).toBe(15);
    expect(r.actual?.warnings).toHaveLength(10);
  });

  it("with the WAF off, still compares the settings; the engine may be the mode's or Off", () => {
    expect(compareAppsec(off, text(renderTuningFile(settings)), FILE).verdict).toBe("in_sync");
    const engineOff = renderTuningFile(settings).replace("SecRuleEngine On", "SecRuleEngine Off");
    expect(compareAppsec(off, text(engineOff), FILE).verdict).toBe("in_sync");
    // …but Off is drift for a WAF that is on,
    expect(compareAppsec(on, text(engineOff), FILE).differences).toEqual([
      { item: "WAF mode", expected: "block (SecRuleEngine On)", actual: "off (SecRuleEngine Off)" },
    ]);
    // …and a wrong threshold is drift either way.
    const r = compareAppsec(off, text(renderTuningFile({ ...settings, mode: "detect", inboundThreshold: 3 })), FILE);
    expect(r.differences).toEqual([
      { item: "WAF mode", expected: "block (SecRuleEngine On) or off (SecRuleEngine Off)", actual: "detect (SecRuleEngine DetectionOnly)" },
      { item: "inbound threshold", expected: "10", actual: "3" },
    ]);
  });

  it("cannot verify a missing, unreadable or unparsable file, and says why", () => {
    const missing = compareAppsec(on, { kind: "missing" }, FILE);
    expect(missing).toMatchObject({ verdict: "cannot_verify", differences: [], actual: null });
    expect(missing.reason).toBe(`the tuning file ${FILE} does not exist (Warden writes it at boot, when the WAF settings are saved, and on Apply)`);
    expect(compareAppsec(off, { kind: "missing" }, FILE).verdict).toBe("cannot_verify");
    expect(compareAppsec(on, { kind: "unreadable", reason: `${FILE} is a directory, not a file` }, FILE).reason).toBe(
      `the tuning file cannot be read: ${FILE} is a directory, not a file`,
    );
    const broken = compareAppsec(on, text('SecAction "phase:1,setvar:tx.inbound_anomaly_score_threshold=10"'), FILE);
    expect(broken.verdict).toBe("cannot_verify");
    expect(broken.reason).toBe(`the tuning file ${FILE} cannot be parsed: line 1: SecAction has no id: action (ModSecurity refuses a rule without an id)`);
  });
});

describe("readTuningFile", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "warden-appsec-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file, and tells missing from unreadable", () => {
    const file = path.join(dir, "tuning.conf");
    writeFileSync(file, "SecRuleEngine On\n");
    expect(readTuningFile(file)).toEqual({ kind: "text", text: "SecRuleEngine On\n" });
    expect(readTuningFile(path.join(dir, "nope.conf"))).toEqual({ kind: "missing" });
    const asDir = path.join(dir, "dir.conf");
    mkdirSync(asDir);
    expect(readTuningFile(asDir)).toEqual({ kind: "unreadable", reason: `${asDir} is a directory, not a file` });
    expect(readTuningFile(path.join(file, "child.conf"))).toEqual({
      kind: "unreadable",
      reason: `a parent of ${path.join(file, "child.conf")} is not a directory`,
    });
  });
});
