// The protections Warden manages, their defaults and bounds. This module is
// shared by server and browser: it holds no server code.

export const PROTECTIONS = ["crowdsec", "waf", "rate_limit"] as const;
export type Protection = (typeof PROTECTIONS)[number];

export const PROTECTION_LABELS: Record<Protection, string> = {
  crowdsec: "CrowdSec",
  waf: "WAF",
  rate_limit: "Rate limiting",
};

export const CROWDSEC_MODES = ["local", "external"] as const;
export const WAF_MODES = ["detect", "block"] as const;

export interface CrowdsecSettings {
  mode: (typeof CROWDSEC_MODES)[number];
  lapiUrl: string | null;
}
export interface WafSettings {
  mode: (typeof WAF_MODES)[number];
  paranoia: number;
  inboundThreshold: number;
  outboundThreshold: number;
}
export interface RateLimitSettings {
  requests: number;
  windowSec: number;
  burst: number;
}

export interface SettingsByProtection {
  crowdsec: CrowdsecSettings;
  waf: WafSettings;
  rate_limit: RateLimitSettings;
}

/** Inclusive integer bounds of every numeric setting (the OWASP CRS defaults for the WAF). */
export const BOUNDS = {
  waf: {
    paranoia: { min: 1, max: 4, label: "Paranoia level" },
    inboundThreshold: { min: 1, max: 10_000, label: "Inbound anomaly threshold" },
    outboundThreshold: { min: 1, max: 10_000, label: "Outbound anomaly threshold" },
  },
  rate_limit: {
    requests: { min: 1, max: 1_000_000, label: "Requests per window" },
    windowSec: { min: 1, max: 86_400, label: "Window (seconds)" },
    burst: { min: 0, max: 100_000, label: "Burst" },
  },
} as const;

export const DEFAULT_SETTINGS: SettingsByProtection = {
  crowdsec: { mode: "local", lapiUrl: null },
  waf: { mode: "detect", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 },
  rate_limit: { requests: 100, windowSec: 60, burst: 10 },
};

/** Every protection is off on a fresh install. */
export const DEFAULT_ENABLED: Record<Protection, boolean> = { crowdsec: false, waf: false, rate_limit: false };

export const LAPI_URL_MAX_LENGTH = 2048;
