import { daysAgo, type Seed } from "../seed";

// The first release: security intent (WAF on in block mode, rate limiting on), its settings mirror and
// the audit history that led there.
const intent = { waf: { enabled: true, mode: "block", paranoia: 2, inboundThreshold: 7, outboundThreshold: 4 } };

export const seed: Seed = {
  security_configs: [
    {
      id: 1,
      version: 3,
      crowdsec_enabled: false,
      crowdsec_mode: "local",
      crowdsec_lapi_url: null,
      crowdsec_version: 0,
      waf_enabled: true,
      waf_mode: "block",
      waf_paranoia: 2,
      waf_inbound_threshold: 7,
      waf_outbound_threshold: 4,
      waf_version: 2,
      waf_changed_by: "cli",
      waf_changed_at: daysAgo(5),
      rate_limit_enabled: true,
      rate_limit_requests: 300,
      rate_limit_window_sec: 60,
      rate_limit_burst: 20,
      rate_limit_version: 1,
      rate_limit_changed_by: "cli",
      rate_limit_changed_at: daysAgo(4),
      created_at: daysAgo(10),
      updated_at: daysAgo(4),
    },
  ],
  settings: [
    ["security.crowdsec.enabled", "false", "boolean"],
    ["security.crowdsec.mode", "local", "string"],
    ["security.waf.enabled", "true", "boolean"],
    ["security.waf.mode", "block", "string"],
    ["security.waf.paranoia", "2", "number"],
    ["security.rate_limit.enabled", "true", "boolean"],
    ["security.rate_limit.requests", "300", "number"],
  ].map(([key, value, type]) => ({ key: key!, value: value!, type: type!, category: "security", updated_at: daysAgo(4) })),
  security_audits: [
    { at: daysAgo(10), actor: "system", action: "initialize", protection: null, before: null, after: "{}", outcome: "committed", error: null, request_id: "boot-1", config_version: 0, runtime_result: null },
    { at: daysAgo(6), actor: "cli", action: "toggle", protection: "waf", before: '{"enabled":false}', after: '{"enabled":true,"mode":"detect"}', outcome: "committed", error: null, request_id: "req-61", config_version: 1, runtime_result: "applied" },
    { at: daysAgo(5), actor: "cli", action: "update", protection: "waf", before: '{"mode":"detect"}', after: JSON.stringify(intent.waf), outcome: "committed", error: null, request_id: "req-62", config_version: 2, runtime_result: "applied" },
    { at: daysAgo(5), actor: "cli", action: "update", protection: "waf", before: '{"paranoia":2}', after: '{"paranoia":9}', outcome: "rejected", error: "paranoia must be between 1 and 4", request_id: "req-63", config_version: null, runtime_result: null },
    { at: daysAgo(4), actor: "cli", action: "toggle", protection: "rate_limit", before: '{"enabled":false}', after: '{"enabled":true}', outcome: "committed", error: null, request_id: "req-64", config_version: 3, runtime_result: "intent only" },
  ],
};
