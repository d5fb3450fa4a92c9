import { BOUNDS, type Protection } from "./protections";

// The one source of the words an admin reads for a stored field: cards, forms, the audit log. Plain
// data (client components import it).

const FIELD_LABELS: Record<Protection, Record<string, string>> = {
  crowdsec: { enabled: "Enabled", mode: "Mode", lapiUrl: "LAPI URL" },
  waf: {
    enabled: "Enabled",
    mode: "Mode",
    paranoia: BOUNDS.waf.paranoia.label,
    inboundThreshold: BOUNDS.waf.inboundThreshold.label,
    outboundThreshold: BOUNDS.waf.outboundThreshold.label,
  },
  rate_limit: {
    enabled: "Enabled",
    requests: BOUNDS.rate_limit.requests.label,
    windowSec: BOUNDS.rate_limit.windowSec.label,
    burst: BOUNDS.rate_limit.burst.label,
  },
};

/** "lapiUrl" → "LAPI URL". A key no protection lists is still never shown raw: "someKey" → "Some key". */
export function fieldLabel(protection: Protection | string | null, key: string): string {
  const known = protection ? FIELD_LABELS[protection as Protection]?.[key] : undefined;
  if (known) return known;
  for (const labels of Object.values(FIELD_LABELS)) if (labels[key]) return labels[key]!;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_.-]+/g, " ")
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A stored value as an admin reads it. */
export function fieldValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (value === true) return "on";
  if (value === false) return "off";
  if (typeof value === "number") return value.toLocaleString("en");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
