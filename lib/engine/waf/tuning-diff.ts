// The `appsec` drift surface: the WAF intent against the CRS tuning file on disk (the WAF runtime
// is that rendered file, and nothing is shown as enforced: ADR 007).
//
// Choice for a WAF whose intent is off: the file still carries the settings (Warden renders it
// from the settings whatever the switch says), so paranoia and thresholds are compared exactly
// as when it is on. For the mode line, an off intent accepts either the settings' mode or
// `SecRuleEngine Off` (a writer may switch the engine off for a disabled WAF); an on intent
// accepts only the mode's own value. A missing file is cannot_verify whatever the switch says:
// nothing was observed, and nothing observed is never shown as green.
import "server-only";
import { readFileSync } from "node:fs";
import type { Difference, SurfaceCheck } from "../../drift/drift-report";
import { ENGINE_FOR_MODE, MODE_FOR_ENGINE, parseTuningFile, type TuningSettings, type WafEngineMode } from "./tuning-file";

/** What was found at the tuning file's path. */
export type TuningFileObservation = { kind: "missing" } | { kind: "unreadable"; reason: string } | { kind: "text"; text: string };

export interface AppsecIntent {
  enabled: boolean;
  settings: TuningSettings;
}

/** CRS defaults, shown beside "not set" (what a CRS without the setting uses). */
const CRS_DEFAULTS = { paranoia: 1, inbound: 5, outbound: 4 } as const;
const MAX_WARNINGS = 10;

/** Reads the tuning file (small; synchronous). Never throws. */
export function readTuningFile(filePath: string): TuningFileObservation {
  try {
    return { kind: "text", text: readFileSync(filePath, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    if (code === "EISDIR") return { kind: "unreadable", reason: `${filePath} is a directory, not a file` };
    if (code === "EACCES" || code === "EPERM") return { kind: "unreadable", reason: `permission denied reading ${filePath}` };
    if (code === "ENOTDIR") return { kind: "unreadable", reason: `a parent of ${filePath} is not a directory` };
    return { kind: "unreadable", reason: `${filePath} cannot be read (${code ?? (error as Error).message})` };
  }
}

function engineText(engine: WafEngineMode): string {
  return `${MODE_FOR_ENGINE[engine]} (SecRuleEngine ${engine})`;
}

/**
 * Compares the WAF intent with the tuning file at `filePath`. Differences are worded for an admin:
 * "WAF mode", "paranoia level", "inbound threshold", "outbound threshold".
 */
export function compareAppsec(intent: AppsecIntent, file: TuningFileObservation, filePath: string): SurfaceCheck {
  const s = intent.settings;
  const expected = {
    enabled: intent.enabled,
    mode: s.mode,
    paranoia: s.paranoia,
    inboundThreshold: s.inboundThreshold,
    outboundThreshold: s.outboundThreshold,
    path: filePath,
  };
  const cannot = (reason: string): SurfaceCheck => ({ surface: "appsec", verdict: "cannot_verify", differences: [], expected, actual: null, reason });

  if (file.kind === "missing")
    return cannot(`the tuning file ${filePath} does not exist (Warden writes it at boot, when the WAF settings are saved, and on Apply)`);
  if (file.kind === "unreadable") return cannot(`the tuning file cannot be read: ${file.reason}`);
  const parsed = parseTuningFile(file.text);
  if (!parsed.ok) return cannot(`the tuning file ${filePath} cannot be parsed: ${parsed.reason}`);

  const differences: Difference[] = [];

  const wantEngine = ENGINE_FOR_MODE[s.mode];
  const engineOk = parsed.engine === wantEngine || (!intent.enabled && parsed.engine === "Off");
  if (!engineOk) {
    differences.push({
      item: "WAF mode",
      expected: intent.enabled ? engineText(wantEngine) : `${engineText(wantEngine)} or off (SecRuleEngine Off)`,
      actual: parsed.engine === null ? "not set in the file (no SecRuleEngine)" : engineText(parsed.engine),
    });
  }

  const { paranoia_level: p3, blocking_paranoia_level: p4 } = parsed.paranoiaVars;
  const setParanoia = [p3, p4].filter((v): v is number => v !== null);
  if (setParanoia.length === 0 || setParanoia.some((v) => v !== s.paranoia)) {
    let actual: string;
    if (setParanoia.length === 0) actual = `not set (CRS default ${CRS_DEFAULTS.paranoia})`;
    else if (p3 !== null && p4 !== null && p3 !== p4) actual = `${p3} (tx.paranoia_level), ${p4} (tx.blocking_paranoia_level)`;
    else actual = String(setParanoia[0]);
    differences.push({ item: "paranoia level", expected: String(s.paranoia), actual });
  }

  const threshold = (item: string, want: number, have: number | null, crsDefault: number) => {
    if (have === want) return;
    differences.push({ item, expected: String(want), actual: have === null ? `not set (CRS default ${crsDefault})` : String(have) });
  };
  threshold("inbound threshold", s.inboundThreshold, parsed.inbound, CRS_DEFAULTS.inbound);
  threshold("outbound threshold", s.outboundThreshold, parsed.outbound, CRS_DEFAULTS.outbound);

  const actual = {
    engine: parsed.engine,
    mode: parsed.engine === null ? null : MODE_FOR_ENGINE[parsed.engine],
    paranoia: parsed.paranoia,
    inboundThreshold: parsed.inbound,
    outboundThreshold: parsed.outbound,
    ruleIds: parsed.ids,
    warnings: parsed.warnings.slice(0, MAX_WARNINGS),
    warningCount: parsed.warnings.length,
    path: filePath,
  };
  return {
    surface: "appsec",
    verdict: differences.length > 0 ? "drift" : "in_sync",
    differences,
    expected,
    actual,
    reason: null,
  };
}
