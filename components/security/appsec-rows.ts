import type { SurfaceSnapshot } from "@/lib/drift/drift-report";
import { SECURITY_SPEC, type WafSettings } from "@/lib/security/spec";

// Pure: the AppSec tab's rows. The intent column is the panel's stored WAF intent (live); the file
// column and the match come from the detector's appsec snapshot, whose difference items are named
// "WAF mode", "paranoia level", "inbound threshold", "outbound threshold" (lib/drift/surfaces/appsec.ts).

export interface AppsecRow {
  key: "mode" | "paranoia" | "inbound" | "outbound";
  label: string;
  intent: string;
  runtime: string;
  /** "unknown" when the file could not be read (or was not checked yet). */
  match: "same" | "differs" | "unknown";
}

type WafIntent = { enabled: boolean; settings: WafSettings };

const WAF_FIELDS = SECURITY_SPEC.waf.fields;
const SPECS = [
  { key: "mode", label: WAF_FIELDS.mode.label, item: "WAF mode", actual: "mode" },
  { key: "paranoia", label: WAF_FIELDS.paranoia.label, item: "paranoia level", actual: "paranoia" },
  { key: "inbound", label: WAF_FIELDS.inboundThreshold.label, item: "inbound threshold", actual: "inboundThreshold" },
  { key: "outbound", label: WAF_FIELDS.outboundThreshold.label, item: "outbound threshold", actual: "outboundThreshold" },
] as const;

function intentValue(key: AppsecRow["key"], waf: WafIntent | undefined): string {
  if (!waf) return "…";
  const s = waf.settings;
  switch (key) {
    case "mode":
      return `${s.mode}${waf.enabled ? "" : " (WAF switched off)"}`;
    case "paranoia":
      return String(s.paranoia);
    case "inbound":
      return String(s.inboundThreshold);
    case "outbound":
      return String(s.outboundThreshold);
  }
}

function runtimeValue(spec: (typeof SPECS)[number], actual: Record<string, unknown>): string {
  if (spec.key === "mode") {
    const engine = actual.engine;
    if (typeof engine !== "string") return "not set (no SecRuleEngine)";
    return `${String(actual.mode ?? "?")} (SecRuleEngine ${engine})`;
  }
  const value = actual[spec.actual];
  return typeof value === "number" ? String(value) : "not set";
}

export function appsecRows(waf: WafIntent | undefined, snap: Pick<SurfaceSnapshot, "verdict" | "differences" | "actual"> | undefined): AppsecRow[] {
  const observed = snap && snap.verdict !== "cannot_verify" && snap.actual ? snap.actual : null;
  return SPECS.map((spec) => ({
    key: spec.key,
    label: spec.label,
    intent: intentValue(spec.key, waf),
    runtime: observed ? runtimeValue(spec, observed) : "unknown",
    match: !observed ? "unknown" : snap!.differences.some((d) => d.item === spec.item) ? "differs" : "same",
  }));
}
