import { fieldLabel } from "@/lib/security/labels";
import { BOUNDS, CROWDSEC_MODES, WAF_MODES, type Protection } from "@/lib/security/protections";

export interface FieldSpec {
  name: string;
  label: string;
  kind: "select" | "integer" | "url";
  options?: readonly string[];
  hint?: string;
}

const range = (b: { min: number; max: number }) => `${b.min.toLocaleString("en")}–${b.max.toLocaleString("en")}`;

export const SETTINGS_FIELDS: Record<Protection, FieldSpec[]> = {
  crowdsec: [
    {
      name: "mode",
      label: fieldLabel("crowdsec", "mode"),
      kind: "select",
      options: CROWDSEC_MODES,
      hint: "local: Warden manages an agent; external: probe a LAPI run elsewhere",
    },
    { name: "lapiUrl", label: fieldLabel("crowdsec", "lapiUrl"), kind: "url", hint: "Needed for external mode, e.g. http://127.0.0.1:8080" },
  ],
  waf: [
    { name: "mode", label: fieldLabel("waf", "mode"), kind: "select", options: WAF_MODES, hint: "When on: detect logs matches; block refuses them" },
    { name: "paranoia", label: BOUNDS.waf.paranoia.label, kind: "integer", hint: range(BOUNDS.waf.paranoia) },
    { name: "inboundThreshold", label: BOUNDS.waf.inboundThreshold.label, kind: "integer", hint: range(BOUNDS.waf.inboundThreshold) },
    { name: "outboundThreshold", label: BOUNDS.waf.outboundThreshold.label, kind: "integer", hint: range(BOUNDS.waf.outboundThreshold) },
  ],
  rate_limit: [
    { name: "requests", label: BOUNDS.rate_limit.requests.label, kind: "integer", hint: range(BOUNDS.rate_limit.requests) },
    { name: "windowSec", label: BOUNDS.rate_limit.windowSec.label, kind: "integer", hint: range(BOUNDS.rate_limit.windowSec) },
    { name: "burst", label: BOUNDS.rate_limit.burst.label, kind: "integer", hint: range(BOUNDS.rate_limit.burst) },
  ],
};

/** Form strings → typed changes (only fields that differ), or field errors for what is not a number. */
export function formToChanges(
  fields: FieldSpec[],
  values: Record<string, string>,
  current: Record<string, unknown>,
): { changes: Record<string, unknown>; errors: Record<string, string> } {
  const changes: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = (values[field.name] ?? "").trim();
    let value: unknown = raw;
    if (field.kind === "integer") {
      if (!/^[+-]?\d+(\.\d+)?$/.test(raw)) {
        errors[field.name] = `${field.label} must be a number`;
        continue;
      }
      value = Number(raw);
    } else if (field.kind === "url") {
      value = raw === "" ? null : raw;
    }
    if (value !== current[field.name]) changes[field.name] = value;
  }
  return { changes, errors };
}

/** Stored settings → the strings the form shows (null is an empty field). */
export function settingsToFormValues(fields: FieldSpec[], settings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, settings[f.name] === null || settings[f.name] === undefined ? "" : String(settings[f.name])]));
}

/**
 * Whether the admin has unsaved edits: a field's text differs from what the form was loaded with.
 * Compared as text (trimmed), not as parsed values, so "05" for 5 is still the admin's own input
 * and is never replaced under their cursor by a poll.
 */
export function isDirty(fields: FieldSpec[], values: Record<string, string>, loaded: Record<string, string>): boolean {
  return fields.some((f) => (values[f.name] ?? "").trim() !== (loaded[f.name] ?? "").trim());
}
