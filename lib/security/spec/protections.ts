import type { ProtectionSpec, SpecSettings } from "./field-spec";
import { lapiUrlProblem } from "./lapi-url";

// The protections Warden manages and every setting each one stores: the one place a setting is
// described. Validation, the config row's columns, the Setting mirror, the settings form, the audit
// log's words and the fresh-install defaults are all derived from it (README.md beside this file says
// how to add a field). Shared by server and browser: plain data.

export const PROTECTIONS = ["crowdsec", "waf", "rate_limit"] as const;
export type Protection = (typeof PROTECTIONS)[number];

export const SECURITY_SPEC = {
  crowdsec: {
    label: "CrowdSec",
    column: "crowdsec",
    row: "crowdsec",
    enabledByDefault: false,
    fields: {
      mode: {
        kind: "choice",
        label: "Mode",
        column: "crowdsec_mode",
        mirrorKey: "mode",
        options: ["local", "external"],
        default: "local",
        help: "local: Warden manages an agent; external: probe a LAPI run elsewhere",
      },
      lapiUrl: {
        kind: "url",
        label: "LAPI URL",
        column: "crowdsec_lapi_url",
        mirrorKey: "lapi_url",
        maxLength: 2048,
        default: null,
        help: "Needed for external mode, e.g. http://127.0.0.1:8080",
      },
    },
    crossFieldRule: (s) => {
      if (s.mode === "external" && !s.lapiUrl) return { field: "lapiUrl", message: "External mode needs the LAPI URL of the CrowdSec instance" };
      const problem = s.lapiUrl ? lapiUrlProblem(s.lapiUrl as string) : null;
      return problem ? { field: "lapiUrl", message: problem } : null;
    },
  },
  // Bounds and defaults are the OWASP CRS ones.
  waf: {
    label: "WAF",
    column: "waf",
    row: "waf",
    enabledByDefault: false,
    fields: {
      mode: {
        kind: "choice",
        label: "Mode",
        column: "waf_mode",
        mirrorKey: "mode",
        options: ["detect", "block"],
        default: "detect",
        help: "When on: detect logs matches; block refuses them",
      },
      paranoia: { kind: "integer", label: "Paranoia level", column: "waf_paranoia", mirrorKey: "paranoia", min: 1, max: 4, default: 1 },
      inboundThreshold: {
        kind: "integer",
        label: "Inbound anomaly threshold",
        column: "waf_inbound_threshold",
        mirrorKey: "inbound_threshold",
        min: 1,
        max: 10_000,
        default: 5,
      },
      outboundThreshold: {
        kind: "integer",
        label: "Outbound anomaly threshold",
        column: "waf_outbound_threshold",
        mirrorKey: "outbound_threshold",
        min: 1,
        max: 10_000,
        default: 4,
      },
    },
  },
  // What nginx's limit_req enforces at the edge, per client address. Stored as requests per window
  // before the edge existed; ADR 013 says how those intents are converted.
  rate_limit: {
    label: "Rate limiting",
    column: "rate_limit",
    row: "rateLimit",
    enabledByDefault: false,
    fields: {
      rate: {
        kind: "integer",
        label: "Rate",
        column: "rate_limit_rate",
        mirrorKey: "rate",
        min: 1,
        max: 100_000,
        default: 100,
        nullableColumn: true,
        help: "Requests per second or per minute from one client address (1–100,000)",
      },
      unit: {
        kind: "choice",
        label: "Per",
        column: "rate_limit_unit",
        mirrorKey: "unit",
        options: ["second", "minute"],
        default: "minute",
        nullableColumn: true,
        help: "The rate is counted per second or per minute",
      },
      burst: {
        kind: "integer",
        label: "Burst",
        column: "rate_limit_burst",
        mirrorKey: "burst",
        min: 0,
        max: 100_000,
        default: 10,
        help: "Requests above the rate a client may send in a burst (0–100,000; 0: none)",
      },
      excess: {
        kind: "choice",
        label: "Excess",
        column: "rate_limit_excess",
        mirrorKey: "excess",
        options: ["reject", "delay"],
        default: "reject",
        nullableColumn: true,
        help: "reject: the burst is served at once, anything past it gets 429; delay: the burst is slowed to the rate",
      },
    },
    // Requests per window, as stored before the edge enforced the limit: kept for a downgrade, read
    // only by the one-time conversion (lib/security/rate-limit-upgrade.ts).
    retired: {
      requests: { column: "rate_limit_requests", mirrorKey: "requests", default: 100 },
      windowSec: { column: "rate_limit_window_sec", mirrorKey: "window_sec", default: 60 },
    },
  },
} as const satisfies Record<Protection, ProtectionSpec>;

export type SettingsByProtection = SpecSettings<typeof SECURITY_SPEC>;
export type CrowdsecSettings = SettingsByProtection["crowdsec"];
export type WafSettings = SettingsByProtection["waf"];
export type RateLimitSettings = SettingsByProtection["rate_limit"];
