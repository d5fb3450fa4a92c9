import type { SecurityIntent } from "./intent";
import { DEFAULT_ENABLED, DEFAULT_SETTINGS, PROTECTIONS, type Protection } from "./protections";

// The `security.*` keys of the generic Setting table mirror SecurityConfig, one key per field,
// values as strings with a `type` (shared/DECISIONS.md). Older code paths and operators read them;
// only lib/security writes them, in the same transaction as the config row.

export const MIRROR_CATEGORY = "security";
export type MirrorType = "boolean" | "number" | "string" | "null";
export interface MirrorEntry {
  key: string;
  value: string;
  type: MirrorType;
}

/** Setting key segment per settings field (snake_case, as the keys in DECISIONS.md). */
const FIELD_KEYS: Record<Protection, Record<string, string>> = {
  crowdsec: { mode: "mode", lapiUrl: "lapi_url" },
  waf: { mode: "mode", paranoia: "paranoia", inboundThreshold: "inbound_threshold", outboundThreshold: "outbound_threshold" },
  rate_limit: { requests: "requests", windowSec: "window_sec", burst: "burst" },
};

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
    ...Object.entries(FIELD_KEYS[protection]).map(([field, key]) => entry(`security.${protection}.${key}`, settings[field])),
    entry(`security.${protection}.version`, p.version),
  ];
}

/** Every mirror entry of an intent. */
export function fullMirror(intent: SecurityIntent): MirrorEntry[] {
  return [entry(GLOBAL_VERSION_KEY, intent.version), ...PROTECTIONS.flatMap((p) => protectionMirror(intent, p))];
}

function decode(row: { value: string; type: string }): unknown {
  switch (row.type) {
    case "null":
      return null;
    case "boolean":
      return row.value === "true";
    case "number":
      return Number(row.value);
    default:
      return row.value;
  }
}

export interface MirrorState {
  enabled: Record<Protection, boolean>;
  settings: { [P in Protection]: Record<string, unknown> };
  versions: Record<Protection, number>;
  /** Keys present in the mirror: empty means there is no mirror at all. */
  presentKeys: string[];
}

/**
 * Reads what the mirror says, field by field, falling back to the defaults for a missing key
 * (a legacy database may hold only `security.crowdsec.enabled`).
 */
export function readMirror(rows: { key: string; value: string; type: string }[]): MirrorState {
  const byKey = new Map(rows.filter((r) => r.key.startsWith("security.")).map((r) => [r.key, r]));
  const state: MirrorState = {
    enabled: { ...DEFAULT_ENABLED },
    settings: {
      crowdsec: { ...DEFAULT_SETTINGS.crowdsec },
      waf: { ...DEFAULT_SETTINGS.waf },
      rate_limit: { ...DEFAULT_SETTINGS.rate_limit },
    },
    versions: { crowdsec: 0, waf: 0, rate_limit: 0 },
    presentKeys: [...byKey.keys()],
  };
  for (const protection of PROTECTIONS) {
    const enabled = byKey.get(`security.${protection}.enabled`);
    if (enabled) state.enabled[protection] = decode(enabled) === true;
    const version = byKey.get(`security.${protection}.version`);
    if (version && Number.isInteger(decode(version))) state.versions[protection] = decode(version) as number;
    for (const [field, key] of Object.entries(FIELD_KEYS[protection])) {
      const row = byKey.get(`security.${protection}.${key}`);
      if (row) state.settings[protection][field] = decode(row);
    }
  }
  return state;
}
