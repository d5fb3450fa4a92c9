import type { SecuritySpec } from "./field-spec";
import { mapFields, mapProtections } from "./map-spec";
import { SECURITY_SPEC, type Protection } from "./protections";

// The words an admin reads for a protection and its stored fields: cards, forms, the audit log.

export const PROTECTION_LABELS: Record<Protection, string> = mapProtections(SECURITY_SPEC, (protection) => protection.label);

/**
 * The audit log's label function for a spec: "lapiUrl" → "LAPI URL". A key no protection lists is
 * still never shown raw: "someKey" → "Some key".
 */
export function fieldLabelerOf(spec: SecuritySpec): (protection: string | null, key: string) => string {
  const labels: Record<string, Record<string, string>> = mapProtections(spec, (protection) => ({
    enabled: "Enabled",
    ...mapFields(protection, (field) => field.label),
  }));
  return (protection, key) => {
    const known = protection ? labels[protection]?.[key] : undefined;
    if (known) return known;
    for (const byKey of Object.values(labels)) if (byKey[key]) return byKey[key]!;
    const words = key
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/[_.-]+/g, " ")
      .toLowerCase()
      .trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  };
}

export const fieldLabel: (protection: Protection | string | null, key: string) => string = fieldLabelerOf(SECURITY_SPEC);

/** A stored value as an admin reads it. */
export function fieldValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (value === true) return "on";
  if (value === false) return "off";
  if (typeof value === "number") return value.toLocaleString("en");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
