import type { SecurityIntent } from "./intent";
import { DEFAULT_ENABLED, DEFAULT_SETTINGS } from "./spec/defaults";
import { convertRequestsPerWindow } from "./rate-limit-conversion";
import { MIRROR_FIELD_KEYS } from "./spec/mirror-keys";
import { PROTECTIONS, SECURITY_SPEC, type Protection } from "./spec/protections";

// The `security.*` keys of the generic Setting table mirror SecurityConfig, one key per field (its
// `mirrorKey` in the field spec), values as strings with a `type` (ADR 002). Older code paths and operators read them;
// only lib/security writes them, in the same transaction as the config row.

export const MIRROR_CATEGORY = "security";
export type MirrorType = "boolean" | "number" | "string" | "null";
export interface MirrorEntry {
  key: string;
  value: string;
  type: MirrorType;
}

export const GLOBAL_VERSION_KEY = "security.version";

function entry(key: string, value: unknown): MirrorEntry {
  if (value === null || value === undefined) return { key, value: "", type: "null" };
  if (typeof value === "boolean") return { key, value: String(value), type: "boolean" };
  if (typeof value === "number") return { key, value: String(value), type: "number" };
  return { key, value: String(value), type: "string" };
}

/** The mirror entries for one protection (enabled, each setting, its version). */
export function protectionMirror(intent: SecurityIntent, protection: Protection): MirrorEntry[] {
  const p = intent[protection];
  const settings = p.settings as unknown as Record<string, unknown>;
  return [
    entry(`security.${protection}.enabled`, p.enabled),
    ...Object.entries(MIRROR_FIELD_KEYS[protection]).map(([field, key]) => entry(`security.${protection}.${key}`, settings[field])),
    entry(`security.${protection}.version`, p.version),
  ];
}

/** Every mirror entry of an intent. */
export function fullMirror(intent: SecurityIntent): MirrorEntry[] {
  return [entry(GLOBAL_VERSION_KEY, intent.version), ...PROTECTIONS.flatMap((p) => protectionMirror(intent, p))];
}

// Spellings older panels wrote, e.g. ('security.crowdsec.enabled', 'true', 'bool').
const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);
const BOOLEAN_TYPES = new Set(["boolean", "bool", ""]);

/** A stored switch in any spelling old versions used; undefined when it cannot be read. */
export function parseMirrorBoolean(row: { value: string; type: string | null }): boolean | undefined {
  if (!BOOLEAN_TYPES.has((row.type ?? "").trim().toLowerCase()) && row.type !== "string") return undefined;
  const word = row.value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

function decode(row: { value: string; type: string | null }): unknown {
  switch ((row.type ?? "").trim().toLowerCase()) {
    case "null":
      return null;
    case "boolean":
    case "bool":
      return parseMirrorBoolean(row);
    case "number":
    case "int":
    case "integer":
      return row.value.trim() === "" ? Number.NaN : Number(row.value);
    default:
      // Untyped (older versions): a number if it reads as one, else the text.
      return /^-?\d+(\.\d+)?$/.test(row.value.trim()) ? Number(row.value) : row.value;
  }
}

export interface MirrorState {
  enabled: Record<Protection, boolean>;
  settings: { [P in Protection]: Record<string, unknown> };
  versions: Record<Protection, number>;
  /** Keys present in the mirror: empty means there is no mirror at all. */
  presentKeys: string[];
  /** Switch rows that could not be read in any known spelling: never silently taken as off. */
  unreadable: { key: string; value: string; type: string | null }[];
}

/**
 * Reads what the mirror says, field by field, falling back to the defaults for a missing key
 * (a legacy database may hold only `security.crowdsec.enabled`).
 */
export function readMirror(rows: { key: string; value: string; type: string | null }[]): MirrorState {
  const byKey = new Map(rows.filter((r) => r.key.startsWith("security.")).map((r) => [r.key, r]));
  const state: MirrorState = {
    enabled: { ...DEFAULT_ENABLED },
    settings: Object.fromEntries(PROTECTIONS.map((p) => [p, { ...DEFAULT_SETTINGS[p] } as Record<string, unknown>])) as MirrorState["settings"],
    versions: Object.fromEntries(PROTECTIONS.map((p) => [p, 0])) as MirrorState["versions"],
    presentKeys: [...byKey.keys()],
    unreadable: [],
  };
  for (const protection of PROTECTIONS) {
    const enabled = byKey.get(`security.${protection}.enabled`);
    if (enabled) {
      const on = parseMirrorBoolean(enabled);
      if (on === undefined) state.unreadable.push({ key: enabled.key, value: enabled.value, type: enabled.type });
      else state.enabled[protection] = on;
    }
    const version = byKey.get(`security.${protection}.version`);
    if (version && Number.isInteger(decode(version))) state.versions[protection] = decode(version) as number;
    for (const [field, key] of Object.entries(MIRROR_FIELD_KEYS[protection])) {
      const row = byKey.get(`security.${protection}.${key}`);
      if (row) state.settings[protection][field] = decode(row);
    }
    if (protection === "rate_limit") convertOldRateLimit(byKey, state);
    // An older panel wrote its switch as a mode: crowdsec_mode = "disabled" meant off (and is no mode).
    if (state.settings[protection].mode === "disabled") {
      if (!enabled) state.enabled[protection] = false;
      state.settings[protection].mode = (DEFAULT_SETTINGS[protection] as unknown as Record<string, unknown>).mode;
    }
  }
  return state;
}

/**
 * A mirror written before the edge enforced rate limits holds requests per window and no rate: read
 * as the config row's conversion reads it (ADR 013), so a recovery keeps the limit the admin set.
 */
function convertOldRateLimit(byKey: Map<string, { key: string; value: string; type: string | null }>, state: MirrorState): void {
  const row = (segment: string) => byKey.get(`security.rate_limit.${segment}`);
  const fields = SECURITY_SPEC.rate_limit;
  const current = Object.values(MIRROR_FIELD_KEYS.rate_limit).filter((segment) => segment !== fields.fields.burst.mirrorKey);
  const retired = Object.values(fields.retired).map((r) => r.mirrorKey);
  if (current.some(row) || !retired.some(row)) return;
  const old = (r: (typeof fields.retired)[keyof typeof fields.retired]) => {
    const stored = row(r.mirrorKey);
    return stored ? (decode(stored) as number) : r.default;
  };
  const settings = state.settings.rate_limit;
  const converted = convertRequestsPerWindow({
    requests: old(fields.retired.requests),
    windowSec: old(fields.retired.windowSec),
    burst: settings.burst as number,
  });
  state.settings.rate_limit = { ...settings, ...converted.settings };
}
