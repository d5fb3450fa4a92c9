// The `store` drift surface: SecurityConfig against its Setting mirror (lib/security/consistency.ts
// computes the mismatches; this words them). Mirror values are `type:value` strings
// ("string:block", "number:5", "null:"); an admin sees the value, and the type only when the
// values alone would look equal.
import type { StoreConsistency } from "../../security/consistency";
import type { Difference, SurfaceCheck } from "../drift-report";

export type StoreConsistencyInput = Pick<StoreConsistency, "consistent" | "configPresent" | "mismatches">;

const MAX_KEYS_IN_BANNER = 5;
export const CONFIG_ROW_MISSING = "security config row missing";

function split(v: string): { type: string; value: string } {
  const colon = v.indexOf(":");
  return colon === -1 ? { type: "", value: v } : { type: v.slice(0, colon), value: v.slice(colon + 1) };
}

function display(v: string | null, absent: string): string {
  if (v === null) return absent;
  const { type, value } = split(v);
  if (type === "null") return "null";
  if (type === "string" && value === "") return '"" (empty)';
  return value;
}

function withType(v: string | null, absent: string): string {
  if (v === null) return absent;
  const { type } = split(v);
  const shown = display(v, absent);
  return type && type !== "null" ? `${shown} (${type})` : shown;
}

/** One mismatch worded for an admin: {item:"security.waf.mode", expected:"block", actual:"detect"}. */
export function storeDifference(m: { key: string; config: string | null; mirror: string | null }): Difference {
  const expectedAbsent = "no such field in the config";
  const actualAbsent = "missing from the mirror";
  let expected = display(m.config, expectedAbsent);
  let actual = display(m.mirror, actualAbsent);
  if (expected === actual) {
    expected = withType(m.config, expectedAbsent);
    actual = withType(m.mirror, actualAbsent);
  }
  return { item: m.key, expected, actual };
}

/**
 * Drift when the mirror disagrees with the config (one difference per key), or when the config
 * row itself is missing (one difference: the row; the mirror's keys are counted, not listed).
 */
export function compareStore(consistency: StoreConsistencyInput): SurfaceCheck {
  if (!consistency.configPresent) {
    return {
      surface: "store",
      verdict: "drift",
      differences: [{ item: "security config row", expected: "present", actual: "missing" }],
      expected: { configRow: true },
      actual: { configRow: false, mirrorKeys: consistency.mismatches.filter((m) => m.mirror !== null).length },
      reason: null,
    };
  }
  const differences = consistency.mismatches.map(storeDifference);
  const drift = !consistency.consistent || differences.length > 0;
  return {
    surface: "store",
    verdict: drift ? "drift" : "in_sync",
    differences,
    expected: { configRow: true },
    actual: { configRow: true, mismatchedKeys: differences.length },
    reason: null,
  };
}

/**
 * The banner text for a store drift: "settings mirror disagrees with security config: security.waf.mode"
 * (the first few keys), or "security config row missing"; null when the surface is not in drift.
 */
export function storeBanner(check: Pick<SurfaceCheck, "verdict" | "differences">): string | null {
  if (check.verdict !== "drift") return null;
  if (check.differences.some((d) => d.item === "security config row" && d.actual === "missing")) return CONFIG_ROW_MISSING;
  const keys = check.differences.map((d) => d.item);
  if (keys.length === 0) return "settings mirror disagrees with security config";
  const shown = keys.slice(0, MAX_KEYS_IN_BANNER).join(", ");
  const more = keys.length > MAX_KEYS_IN_BANNER ? ` and ${keys.length - MAX_KEYS_IN_BANNER} more` : "";
  return `settings mirror disagrees with security config: ${shown}${more}`;
}
