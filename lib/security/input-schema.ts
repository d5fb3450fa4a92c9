import { z } from "zod";
import { BOUNDS, CROWDSEC_MODES, LAPI_URL_MAX_LENGTH, PROTECTIONS, WAF_MODES, type Protection, type SettingsByProtection } from "./protections";

// Two layers, because they are audited differently (ADR 002):
// 1. shape: is this a request at all? (known protection, right types, no unknown keys, small).
//    A malformed request is refused without an audit row.
// 2. rules: bounds and cross-field rules on the merged settings. A well-formed request that breaks
//    one is refused with one `rejected` audit row.
// This module is shared with the browser so the form shows the same messages before sending.

/** Larger requests are refused before parsing: no legitimate change comes near it. */
export const MAX_REQUEST_BYTES = 8 * 1024;

const ZProtection = z.enum(PROTECTIONS, { error: () => `Unknown protection; expected one of ${PROTECTIONS.join(", ")}` });
const ZExpectedVersion = z
  .number({ error: "expectedVersion must be a number" })
  .int("expectedVersion must be a whole number")
  .min(0, "expectedVersion must not be negative")
  .max(2_147_483_647, "expectedVersion is too large");
const number = (label: string) => z.number({ error: `${label} must be a number` });
const text = (label: string, max: number) => z.string({ error: `${label} must be text` }).max(max, `${label} must be at most ${max} characters`);

export const ZChangesShape = {
  crowdsec: z
    .object({
      mode: text("Mode", 32).optional(),
      lapiUrl: text("LAPI URL", LAPI_URL_MAX_LENGTH).nullable().optional(),
    })
    .strict(),
  waf: z
    .object({
      mode: text("Mode", 32).optional(),
      paranoia: number(BOUNDS.waf.paranoia.label).optional(),
      inboundThreshold: number(BOUNDS.waf.inboundThreshold.label).optional(),
      outboundThreshold: number(BOUNDS.waf.outboundThreshold.label).optional(),
    })
    .strict(),
  rate_limit: z
    .object({
      requests: number(BOUNDS.rate_limit.requests.label).optional(),
      windowSec: number(BOUNDS.rate_limit.windowSec.label).optional(),
      burst: number(BOUNDS.rate_limit.burst.label).optional(),
    })
    .strict(),
} satisfies Record<Protection, z.ZodType>;

export type SettingsChanges<P extends Protection = Protection> = Partial<SettingsByProtection[P]>;

export const ZToggleInput = z
  .object({ protection: ZProtection, on: z.boolean({ error: "on must be true or false" }), expectedVersion: ZExpectedVersion })
  .strict();
export type ToggleInput = z.infer<typeof ZToggleInput>;

export const ZUpdateInput = z
  .object({ protection: ZProtection, changes: z.record(z.string(), z.unknown()), expectedVersion: ZExpectedVersion })
  .strict()
  .superRefine((input, ctx) => {
    const result = ZChangesShape[input.protection].safeParse(input.changes);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: ["changes", ...issue.path] } as never);
    } else if (Object.keys(result.data).length === 0) {
      ctx.addIssue({ code: "custom", path: ["changes"], message: "Nothing to change: name at least one setting" });
    }
  });
export type UpdateInput = { protection: Protection; changes: SettingsChanges; expectedVersion: number };

const int = (bound: { min: number; max: number; label: string }) =>
  z
    .number()
    .int(`${bound.label} must be a whole number`)
    .min(bound.min, `${bound.label} must be between ${bound.min} and ${bound.max}`)
    .max(bound.max, `${bound.label} must be between ${bound.min} and ${bound.max}`);

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** http(s), a loopback address or a host name (not a bare non-loopback IP), no credentials. */
export function lapiUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "LAPI URL is not a valid URL (example: http://127.0.0.1:8080)";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "LAPI URL must start with http:// or https://";
  if (url.username || url.password) return "LAPI URL must not contain credentials";
  if (url.search || url.hash) return "LAPI URL must not contain a query or fragment";
  const host = url.hostname;
  if (LOOPBACK_HOST.test(host)) return null;
  if (IPV4.test(host) || host.startsWith("[")) return "LAPI URL must use a loopback address or a host name";
  if (!HOST_NAME.test(host)) return "LAPI URL has an invalid host name";
  return null;
}

export const ZSettingsRules = {
  crowdsec: z
    .object({
      mode: z.enum(CROWDSEC_MODES, { error: "Mode must be local or external" }),
      lapiUrl: z.string().nullable(),
    })
    .superRefine((s, ctx) => {
      if (s.mode === "external" && !s.lapiUrl) {
        ctx.addIssue({ code: "custom", path: ["lapiUrl"], message: "External mode needs the LAPI URL of the CrowdSec instance" });
      } else if (s.lapiUrl) {
        const problem = lapiUrlProblem(s.lapiUrl);
        if (problem) ctx.addIssue({ code: "custom", path: ["lapiUrl"], message: problem });
      }
    }),
  waf: z.object({
    mode: z.enum(WAF_MODES, { error: "Mode must be detect or block" }),
    paranoia: int(BOUNDS.waf.paranoia),
    inboundThreshold: int(BOUNDS.waf.inboundThreshold),
    outboundThreshold: int(BOUNDS.waf.outboundThreshold),
  }),
  rate_limit: z.object({
    requests: int(BOUNDS.rate_limit.requests),
    windowSec: int(BOUNDS.rate_limit.windowSec),
    burst: int(BOUNDS.rate_limit.burst),
  }),
} satisfies Record<Protection, z.ZodType>;

/** Field → first message, for showing next to form fields. `changes.` prefixes are dropped. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.filter((p) => p !== "changes").join(".") || "_";
    fields[path] ??= issue.message;
  }
  return fields;
}
