import { parseActions, tokenize, unquoteSingle } from "./modsec-syntax";

// The OWASP CRS tuning file Warden renders for the WAF (until a proxy loads it, the WAF's runtime is
// this rendered file and nothing is shown as enforced), and a parser that reads one back for drift
// detection: ModSecurity's syntax is read by modsec-syntax.ts, then the `SecAction` directives here.
//
// CRS variable names (checked against Debian's modsecurity-crs 3.3.4, crs-setup.conf):
//   rule 900000: tx.paranoia_level (CRS 3.x); CRS 4 renamed it tx.blocking_paranoia_level.
//   rule 900110: tx.inbound_anomaly_score_threshold, tx.outbound_anomaly_score_threshold.
// Warden sets both paranoia names, so the file works with CRS 3.3 (this machine's package) and 4.

export type WafEngineMode = "On" | "DetectionOnly" | "Off";
export type WafMode = "detect" | "block";

export interface TuningSettings {
  mode: WafMode;
  paranoia: number;
  inboundThreshold: number;
  outboundThreshold: number;
}

export interface TuningFileParsed {
  ok: true;
  /** The last `SecRuleEngine` in the file; null when the file has none. */
  engine: WafEngineMode | null;
  inbound: number | null;
  outbound: number | null;
  /**
   * The paranoia level: the value both names agree on, or the one that is set. When the two names
   * disagree this is tx.paranoia_level (what CRS 3.3 reads) and a warning says so.
   */
  paranoia: number | null;
  /** Each paranoia variable as set in the file (last one wins), for a precise comparison. */
  paranoiaVars: { paranoia_level: number | null; blocking_paranoia_level: number | null };
  /** Rule ids of the SecAction directives, in file order. */
  ids: number[];
  /** Things that load but deserve a look (a value set twice, a comment ending with a backslash). */
  warnings: string[];
}

export type TuningFileParse = TuningFileParsed | { ok: false; reason: string };

const ENGINE_VALUES: Record<string, WafEngineMode> = { on: "On", detectiononly: "DetectionOnly", off: "Off" };

type Tracked = "inbound" | "outbound" | "paranoia_level" | "blocking_paranoia_level";
const TRACKED_VARS: Record<string, Tracked> = {
  "tx.inbound_anomaly_score_threshold": "inbound",
  "tx.outbound_anomaly_score_threshold": "outbound",
  "tx.paranoia_level": "paranoia_level",
  "tx.blocking_paranoia_level": "blocking_paranoia_level",
};

/**
 * Reads a CRS tuning file: `SecRuleEngine` and the `SecAction` directives' ids and the setvars
 * Warden manages. Other directives (SecRule, Include, …) are skipped: a SecRule's setvar is
 * conditional, so it is not a setting. `ok: false` for what ModSecurity would refuse to load or
 * what is not a plain number: a SecAction without an id (or with a duplicate one), an unterminated
 * quote, a managed variable set to a non-number, an increment (`=+5`) or an unset (`!tx.x`).
 */
export function parseTuningFile(text: string): TuningFileParse {
  const tok = tokenize(text);
  if (!tok.ok) return tok;
  const warnings = [...tok.warnings];
  let engine: WafEngineMode | null = null;
  let engineLine = 0;
  const values: Record<Tracked, { value: number; line: number } | null> = {
    inbound: null,
    outbound: null,
    paranoia_level: null,
    blocking_paranoia_level: null,
  };
  const ids: number[] = [];
  const idLines = new Map<number, number>();

  for (const d of tok.directives) {
    const name = d.name.toLowerCase();
    if (name === "secruleengine") {
      if (d.args.length !== 1) return { ok: false, reason: `line ${d.line}: SecRuleEngine takes one argument (On, DetectionOnly or Off)` };
      const v = ENGINE_VALUES[d.args[0]!.toLowerCase()];
      if (!v) return { ok: false, reason: `line ${d.line}: SecRuleEngine "${d.args[0]}" is not On, DetectionOnly or Off` };
      if (engine !== null) {
        warnings.push(`line ${d.line}: SecRuleEngine is set again (${engine} on line ${engineLine}, now ${v}); the last one wins`);
      }
      engine = v;
      engineLine = d.line;
      continue;
    }
    if (name !== "secaction") continue;

    if (d.args.length !== 1) {
      return {
        ok: false,
        reason: `line ${d.line}: SecAction takes exactly one argument, the quoted action list (found ${d.args.length})`,
      };
    }
    const parsed = parseActions(d.args[0]!, d.line, warnings);
    if (!parsed.ok) return parsed;
    const idActions = parsed.actions.filter((a) => a.name === "id");
    if (idActions.length === 0) {
      return { ok: false, reason: `line ${d.line}: SecAction has no id: action (ModSecurity refuses a rule without an id)` };
    }
    if (idActions.length > 1) return { ok: false, reason: `line ${d.line}: SecAction has more than one id: action` };
    const idText = idActions[0]!.value ?? "";
    if (!/^[0-9]+$/.test(idText) || Number(idText) === 0) {
      return { ok: false, reason: `line ${d.line}: SecAction id "${idText}" is not a positive whole number` };
    }
    const id = Number(idText);
    const seenOn = idLines.get(id);
    if (seenOn !== undefined) {
      return { ok: false, reason: `line ${d.line}: rule id ${id} is already used on line ${seenOn} (ModSecurity refuses duplicate ids)` };
    }
    idLines.set(id, d.line);
    ids.push(id);

    for (const a of parsed.actions) {
      if (a.name !== "setvar" || a.value === null) continue;
      const expr = a.value;
      const removes = expr.startsWith("!");
      const eq = expr.indexOf("=");
      const varName = (removes ? expr.slice(1) : eq === -1 ? expr : expr.slice(0, eq)).trim().toLowerCase();
      const key = TRACKED_VARS[varName];
      if (!key) continue;
      if (removes) return { ok: false, reason: `line ${d.line}: setvar:!${varName} unsets ${varName}; Warden expects a number` };
      if (eq === -1) return { ok: false, reason: `line ${d.line}: setvar:${varName} has no value; Warden expects a number` };
      const rawValue = unquoteSingle(expr.slice(eq + 1).trim());
      if (/^[+-]/.test(rawValue)) {
        return { ok: false, reason: `line ${d.line}: ${varName}=${rawValue} adds to the value instead of setting it; Warden expects a number` };
      }
      if (!/^[0-9]+$/.test(rawValue)) {
        return { ok: false, reason: `line ${d.line}: ${varName} is "${rawValue}", not a whole number` };
      }
      const value = Number(rawValue);
      const prev = values[key];
      if (prev) {
        warnings.push(`line ${d.line}: ${varName} is set again (${prev.value} on line ${prev.line}, now ${value}); the last one wins`);
      }
      values[key] = { value, line: d.line };
    }
  }

  const p3 = values.paranoia_level?.value ?? null;
  const p4 = values.blocking_paranoia_level?.value ?? null;
  if (p3 !== null && p4 !== null && p3 !== p4) {
    warnings.push(
      `tx.paranoia_level (${p3}, read by CRS 3.x) and tx.blocking_paranoia_level (${p4}, read by CRS 4) disagree; the paranoia level reported is ${p3}`,
    );
  }
  return {
    ok: true,
    engine,
    inbound: values.inbound?.value ?? null,
    outbound: values.outbound?.value ?? null,
    paranoia: p3 ?? p4,
    paranoiaVars: { paranoia_level: p3, blocking_paranoia_level: p4 },
    ids,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// Render

export const ENGINE_FOR_MODE: Record<WafMode, WafEngineMode> = { detect: "DetectionOnly", block: "On" };
export const MODE_FOR_ENGINE: Record<WafEngineMode, WafMode | "off"> = { DetectionOnly: "detect", On: "block", Off: "off" };

/** CRS 3.3 rule ids of the two SecActions Warden renders (the ids crs-setup.conf uses for them). */
export const PARANOIA_RULE_ID = 900000;
export const THRESHOLDS_RULE_ID = 900110;

function wholeNumber(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${v}`);
  return v;
}

/**
 * The complete tuning file Warden writes for the WAF intent's settings. Deterministic: the same
 * settings (and `generatedAt`) give the same text, so a writer can compare before writing.
 */
export function renderTuningFile(settings: TuningSettings, generatedAt?: string): string {
  const engine = ENGINE_FOR_MODE[settings.mode];
  if (!engine) throw new RangeError(`unknown WAF mode "${String(settings.mode)}"`);
  const paranoia = wholeNumber("paranoia", settings.paranoia);
  const inbound = wholeNumber("inboundThreshold", settings.inboundThreshold);
  const outbound = wholeNumber("outboundThreshold", settings.outboundThreshold);
  const stamp = generatedAt ? ` at ${generatedAt.replace(/[\r\n]+/g, " ")}` : "";
  return [
    "# Warden: OWASP Core Rule Set (CRS) tuning for the WAF",
    "#",
    `# Generated by Warden from the panel's intent (Security, WAF settings)${stamp}.`,
    "# Do not edit: Warden rewrites this file whenever the WAF settings are saved (and on Apply), and reads it back to detect drift,",
    "# so a hand edit shows as drift. Change the WAF settings in the panel instead.",
    "#",
    "# Loaded by the reverse proxy's ModSecurity after crs-setup.conf and before the CRS rules, e.g.",
    "#   nginx (ModSecurity v3): modsecurity_rules_file <this file>;  or an Include in its main.conf",
    "#   Apache (mod_security2):  IncludeOptional <this file>",
    `# crs-setup.conf must not also define rules ${PARANOIA_RULE_ID} or ${THRESHOLDS_RULE_ID}: ModSecurity refuses duplicate ids.`,
    "",
    `# WAF mode: ${settings.mode} (detect = log matches only: DetectionOnly; block = deny: On).`,
    `SecRuleEngine ${engine}`,
    "",
    `# Paranoia level ${paranoia} (1-4). CRS 3.x reads tx.paranoia_level, CRS 4 tx.blocking_paranoia_level.`,
    `SecAction "id:${PARANOIA_RULE_ID},phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=${paranoia},setvar:tx.blocking_paranoia_level=${paranoia}"`,
    "",
    "# Anomaly score thresholds: a request (inbound) or response (outbound) whose score reaches its",
    "# threshold is denied in block mode and logged in detect mode.",
    `SecAction "id:${THRESHOLDS_RULE_ID},phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=${inbound},setvar:tx.outbound_anomaly_score_threshold=${outbound}"`,
    "",
  ].join("\n");
}
