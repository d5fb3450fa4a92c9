import { describe, expect, it } from "vitest";
import { parseTuningFile, renderTuningFile, type TuningFileParse, type TuningFileParsed, type TuningSettings } from "./tuning-file";

function ok(r: TuningFileParse): TuningFileParsed {
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r;
}
function fail(r: TuningFileParse): string {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r.reason;
}

// The commented-out block of Debian's modsecurity-crs 3.3.4 crs-setup.conf, uncommented: one action
// per continued line, the layout CRS documents.
const CRS_STYLE = `# -- [[ Anomaly Mode Severity Levels ]] --
SecRuleEngine DetectionOnly

SecAction \\
  "id:900000,\\
   phase:1,\\
   nolog,\\
   pass,\\
   t:none,\\
   setvar:tx.paranoia_level=2"

SecAction \\
 "id:900110,\\
  phase:1,\\
  nolog,\\
  pass,\\
  t:none,\\
  setvar:tx.inbound_anomaly_score_threshold=10,\\
  setvar:tx.outbound_anomaly_score_threshold=8"
`;

describe("parseTuningFile", () => {
  it("reads the one-line form", () => {
    const r = ok(
      parseTuningFile(
        'SecAction "id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4"\n',
      ),
    );
    expect(r).toMatchObject({ inbound: 5, outbound: 4, paranoia: null, engine: null, ids: [900110], warnings: [] });
  });

  it("reads CRS's own layout: comments, continuation lines, several SecActions", () => {
    const r = ok(parseTuningFile(CRS_STYLE));
    expect(r).toMatchObject({ engine: "DetectionOnly", paranoia: 2, inbound: 10, outbound: 8, ids: [900000, 900110], warnings: [] });
    expect(r.paranoiaVars).toEqual({ paranoia_level: 2, blocking_paranoia_level: null });
  });

  it("ignores a whole commented-out SecAction (crs-setup.conf ships them commented)", () => {
    const text = `#SecAction \\
#  "id:900110,\\
#   setvar:tx.inbound_anomaly_score_threshold=99"
SecAction "id:900110,phase:1,pass,nolog,setvar:tx.inbound_anomaly_score_threshold=7"
`;
    const r = ok(parseTuningFile(text));
    expect(r.inbound).toBe(7);
    expect(r.ids).toEqual([900110]);
  });

  it("treats # as a comment only at the start of a line", () => {
    const r = ok(parseTuningFile("   # indented comment\nSecAction \"id:5,pass,msg:'not # a comment',setvar:tx.inbound_anomaly_score_threshold=9\""));
    expect(r.inbound).toBe(9);
  });

  it("warns about a comment ending with a backslash (readers disagree on it) and still reads the next line", () => {
    const r = ok(parseTuningFile('# see below \\\nSecAction "id:1,pass,setvar:tx.outbound_anomaly_score_threshold=3"\n'));
    expect(r.outbound).toBe(3);
    expect(r.warnings).toEqual([expect.stringMatching(/^line 1: a comment ends with a backslash/)]);
  });

  it("accepts single quotes around the action list, and reordered actions", () => {
    const r = ok(
      parseTuningFile("SecAction 'setvar:tx.outbound_anomaly_score_threshold=6,t:none,pass,id:42,phase:1,setvar:tx.inbound_anomaly_score_threshold=12'"),
    );
    expect(r).toMatchObject({ inbound: 12, outbound: 6, ids: [42] });
  });

  it("accepts the quoted setvar form and blanks/new lines around actions", () => {
    const text = `SecAction "id:900110, phase:1 ,\tnolog,
   setvar:'tx.inbound_anomaly_score_threshold=15' ,
   setvar:'tx.outbound_anomaly_score_threshold=11'"`;
    const r = ok(parseTuningFile(text));
    expect(r).toMatchObject({ inbound: 15, outbound: 11 });
    // A line break inside quotes without a backslash: read, with a warning naming the line.
    expect(r.warnings).toEqual([expect.stringMatching(/^line 1: a quoted argument continues onto the next line/)]);
  });

  it("reads a continuation inside the quoted list without a warning, and CRLF line ends", () => {
    const text =
      'SecRuleEngine On\r\nSecAction "id:900110,phase:1,\\\r\n  setvar:tx.inbound_anomaly_score_threshold=20,\\\r\n  setvar:tx.outbound_anomaly_score_threshold=21"\r\n';
    const r = ok(parseTuningFile(text));
    expect(r).toMatchObject({ engine: "On", inbound: 20, outbound: 21, warnings: [] });
  });

  it("keeps commas inside quoted action values (msg:'a, b')", () => {
    const r = ok(parseTuningFile(`SecAction "id:7,pass,msg:'thresholds, tuned',setvar:tx.inbound_anomaly_score_threshold=3"`));
    expect(r.inbound).toBe(3);
  });

  it("lets the last duplicated setvar win, with a warning naming both lines", () => {
    const text = `SecAction "id:900110,phase:1,setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.inbound_anomaly_score_threshold=10"
SecAction "id:900111,phase:1,setvar:TX.Outbound_Anomaly_Score_Threshold=4"
SecAction "id:900112,phase:1,setvar:tx.outbound_anomaly_score_threshold=9"`;
    const r = ok(parseTuningFile(text));
    expect(r).toMatchObject({ inbound: 10, outbound: 9, ids: [900110, 900111, 900112] });
    expect(r.warnings).toEqual([
      "line 1: tx.inbound_anomaly_score_threshold is set again (5 on line 1, now 10); the last one wins",
      "line 3: tx.outbound_anomaly_score_threshold is set again (4 on line 2, now 9); the last one wins",
    ]);
  });

  it("reads both paranoia names (CRS 3: tx.paranoia_level, CRS 4: tx.blocking_paranoia_level)", () => {
    expect(ok(parseTuningFile('SecAction "id:1,setvar:tx.blocking_paranoia_level=3"'))).toMatchObject({
      paranoia: 3,
      paranoiaVars: { paranoia_level: null, blocking_paranoia_level: 3 },
    });
    expect(ok(parseTuningFile('SecAction "id:1,setvar:tx.paranoia_level=2,setvar:tx.blocking_paranoia_level=2"'))).toMatchObject({
      paranoia: 2,
      warnings: [],
    });
    const split = ok(parseTuningFile('SecAction "id:1,setvar:tx.paranoia_level=2,setvar:tx.blocking_paranoia_level=4"'));
    expect(split.paranoia).toBe(2);
    expect(split.paranoiaVars).toEqual({ paranoia_level: 2, blocking_paranoia_level: 4 });
    expect(split.warnings).toEqual([expect.stringContaining("disagree")]);
  });

  it("returns SecRuleEngine (case-insensitive), the last one winning with a warning", () => {
    expect(ok(parseTuningFile("secruleengine detectiononly")).engine).toBe("DetectionOnly");
    const r = ok(parseTuningFile("SecRuleEngine On\nSecRuleEngine Off\n"));
    expect(r.engine).toBe("Off");
    expect(r.warnings).toEqual(["line 2: SecRuleEngine is set again (On on line 1, now Off); the last one wins"]);
    expect(fail(parseTuningFile("SecRuleEngine Maybe"))).toBe('line 1: SecRuleEngine "Maybe" is not On, DetectionOnly or Off');
    expect(fail(parseTuningFile("SecRuleEngine"))).toMatch(/^line 1: SecRuleEngine takes one argument/);
  });

  it("ignores other directives, including a SecRule's (conditional) setvar", () => {
    const text = `SecRequestBodyAccess On
SecRule REQUEST_URI "@beginsWith /admin" "id:100,phase:1,pass,setvar:tx.inbound_anomaly_score_threshold=1"
Include /etc/modsecurity/crs/*.conf
SecAction "id:900110,setvar:tx.inbound_anomaly_score_threshold=5"`;
    const r = ok(parseTuningFile(text));
    expect(r).toMatchObject({ inbound: 5, ids: [900110] });
  });

  it("reads an empty file or one with comments only as setting nothing", () => {
    expect(ok(parseTuningFile(""))).toMatchObject({ engine: null, inbound: null, outbound: null, paranoia: null, ids: [] });
    expect(ok(parseTuningFile("\uFEFF# nothing here\n\n   \n"))).toMatchObject({ ids: [] });
  });

  it("refuses a SecAction without an id, naming its line", () => {
    const text = `# header

SecAction \\
  "phase:1,pass,\\
   setvar:tx.inbound_anomaly_score_threshold=5"`;
    expect(fail(parseTuningFile(text))).toBe("line 3: SecAction has no id: action (ModSecurity refuses a rule without an id)");
  });

  it("refuses a non-numeric, duplicated or repeated id", () => {
    expect(fail(parseTuningFile('SecAction "id:abc,pass"'))).toBe('line 1: SecAction id "abc" is not a positive whole number');
    expect(fail(parseTuningFile('SecAction "id:0,pass"'))).toMatch(/not a positive whole number/);
    expect(fail(parseTuningFile('SecAction "id:1,id:2,pass"'))).toBe("line 1: SecAction has more than one id: action");
    expect(fail(parseTuningFile('SecAction "id:900110,pass"\n\nSecAction "id:900110,pass"'))).toBe(
      "line 3: rule id 900110 is already used on line 1 (ModSecurity refuses duplicate ids)",
    );
  });

  it("refuses non-numeric values of the settings it reads (not of others)", () => {
    expect(fail(parseTuningFile('SecAction "id:1,setvar:tx.inbound_anomaly_score_threshold=high"'))).toBe(
      'line 1: tx.inbound_anomaly_score_threshold is "high", not a whole number',
    );
    expect(fail(parseTuningFile('SecAction "id:1,setvar:tx.paranoia_level=2.5"'))).toMatch(/not a whole number/);
    expect(fail(parseTuningFile('SecAction "id:1,setvar:tx.paranoia_level=%{tx.other}"'))).toMatch(/not a whole number/);
    expect(fail(parseTuningFile('SecAction "id:1,setvar:tx.inbound_anomaly_score_threshold=+5"'))).toMatch(/adds to the value instead of setting it/);
    expect(fail(parseTuningFile('SecAction "id:1,setvar:!tx.inbound_anomaly_score_threshold"'))).toMatch(/unsets/);
    expect(fail(parseTuningFile('SecAction "id:1,setvar:tx.outbound_anomaly_score_threshold"'))).toMatch(/has no value/);
    expect(ok(parseTuningFile('SecAction "id:1,setvar:tx.crs_exclusions_wordpress=yes"')).ids).toEqual([1]);
  });

  it("refuses unterminated quotes, naming the line they open on", () => {
    expect(fail(parseTuningFile('# x\nSecAction "id:1,pass,\n  setvar:tx.inbound_anomaly_score_threshold=5\n'))).toBe(
      "line 2: unterminated double quote (it is never closed before the end of the file)",
    );
    expect(fail(parseTuningFile("SecAction 'id:1,pass"))).toMatch(/^line 1: unterminated single quote/);
    expect(fail(parseTuningFile(`SecAction "id:1,msg:'open,setvar:tx.inbound_anomaly_score_threshold=5"`))).toBe(
      "line 1: unterminated single quote in the SecAction's action list",
    );
  });

  it("keeps an escaped quote inside a quoted argument", () => {
    const r = ok(parseTuningFile('SecAction "id:3,msg:\'say \\"hi\\"\',setvar:tx.outbound_anomaly_score_threshold=2"'));
    expect(r.outbound).toBe(2);
  });

  it("refuses a SecAction with no or several arguments", () => {
    expect(fail(parseTuningFile("SecAction"))).toMatch(/^line 1: SecAction takes exactly one argument.*found 0/);
    expect(fail(parseTuningFile('SecAction "id:1" "id:2"'))).toMatch(/found 2/);
    // A comment line inside a continued directive is not a comment (Apache joins first): two arguments.
    expect(fail(parseTuningFile('SecAction \\\n# note\n"id:1"'))).toMatch(/^line 1: SecAction takes exactly one argument/);
  });

  it("warns about a stray comma but reads the rest", () => {
    const r = ok(parseTuningFile('SecAction "id:1,,setvar:tx.inbound_anomaly_score_threshold=5,"'));
    expect(r.inbound).toBe(5);
    expect(r.warnings).toHaveLength(2);
  });
});

describe("renderTuningFile", () => {
  const settings: TuningSettings = { mode: "block", paranoia: 3, inboundThreshold: 10, outboundThreshold: 8 };

  it("is a complete, commented file: engine line and the two CRS SecActions", () => {
    const text = renderTuningFile(settings);
    expect(text).toMatch(/^# /);
    expect(text).toContain("Generated by Warden from the panel's intent");
    expect(text).toMatch(/Warden rewrites this file whenever the WAF settings are saved/);
    expect(text).toContain("crs-setup.conf");
    expect(text).toContain("\nSecRuleEngine On\n");
    expect(text).toContain('SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=3,setvar:tx.blocking_paranoia_level=3"');
    expect(text).toContain(
      'SecAction "id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=10,setvar:tx.outbound_anomaly_score_threshold=8"',
    );
    expect(text.endsWith("\n")).toBe(true);
    expect(renderTuningFile({ ...settings, mode: "detect" })).toContain("\nSecRuleEngine DetectionOnly\n");
  });

  it("is deterministic; generatedAt only changes a comment", () => {
    expect(renderTuningFile(settings)).toBe(renderTuningFile(settings));
    const stamped = renderTuningFile(settings, "2025-01-02T03:04:05.000Z");
    expect(stamped).toContain("at 2025-01-02T03:04:05.000Z.");
    const body = (t: string) => t.split("\n").filter((l) => !l.startsWith("#"));
    expect(body(stamped)).toEqual(body(renderTuningFile(settings)));
    expect(renderTuningFile(settings, "x\nSecRuleEngine Off")).not.toMatch(/^SecRuleEngine Off/m);
  });

  it("round-trips through parseTuningFile for many settings", () => {
    const cases: TuningSettings[] = [
      { mode: "detect", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 },
      { mode: "block", paranoia: 4, inboundThreshold: 10_000, outboundThreshold: 10_000 },
      { mode: "block", paranoia: 2, inboundThreshold: 1, outboundThreshold: 1 },
      { mode: "detect", paranoia: 3, inboundThreshold: 7, outboundThreshold: 123 },
    ];
    for (const s of cases) {
      const r = ok(parseTuningFile(renderTuningFile(s, "2025-01-01T00:00:00.000Z")));
      expect(r).toEqual({
        ok: true,
        engine: s.mode === "block" ? "On" : "DetectionOnly",
        inbound: s.inboundThreshold,
        outbound: s.outboundThreshold,
        paranoia: s.paranoia,
        paranoiaVars: { paranoia_level: s.paranoia, blocking_paranoia_level: s.paranoia },
        ids: [900000, 900110],
        warnings: [],
      });
    }
  });

  it("refuses values it could not render as numbers", () => {
    expect(() => renderTuningFile({ ...settings, paranoia: 1.5 })).toThrow(RangeError);
    expect(() => renderTuningFile({ ...settings, inboundThreshold: Number.NaN })).toThrow(/inboundThreshold/);
    expect(() => renderTuningFile({ ...settings, mode: "off" as never })).toThrow(/unknown WAF mode/);
  });
});
