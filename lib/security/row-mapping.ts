import type { SecurityConfig } from "../generated/sqlite/client";
import type { ProtectionIntent, SecurityIntent } from "./intent";
import type { Protection, SettingsByProtection } from "./protections";

export type ConfigRow = SecurityConfig;
/** The columns of SecurityConfig that hold one protection's intent (never versions or metadata). */
export type ConfigColumns = Partial<Omit<ConfigRow, "id" | "createdAt" | "updatedAt">>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function rowToIntent(row: ConfigRow): SecurityIntent {
  return {
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
    crowdsec: {
      enabled: row.crowdsecEnabled,
      settings: { mode: row.crowdsecMode as "local" | "external", lapiUrl: row.crowdsecLapiUrl },
      version: row.crowdsecVersion,
      changedBy: row.crowdsecChangedBy,
      changedAt: iso(row.crowdsecChangedAt),
    },
    waf: {
      enabled: row.wafEnabled,
      settings: {
        mode: row.wafMode as "detect" | "block",
        paranoia: row.wafParanoia,
        inboundThreshold: row.wafInboundThreshold,
        outboundThreshold: row.wafOutboundThreshold,
      },
      version: row.wafVersion,
      changedBy: row.wafChangedBy,
      changedAt: iso(row.wafChangedAt),
    },
    rate_limit: {
      enabled: row.rateLimitEnabled,
      settings: {
        requests: row.rateLimitRequests,
        windowSec: row.rateLimitWindowSec,
        burst: row.rateLimitBurst,
      },
      version: row.rateLimitVersion,
      changedBy: row.rateLimitChangedBy,
      changedAt: iso(row.rateLimitChangedAt),
    },
  };
}

/** The columns to write for one protection's new intent. */
export function intentColumns<P extends Protection>(
  protection: P,
  enabled: boolean,
  settings: SettingsByProtection[P],
  changedBy: string,
  changedAt: Date,
): ConfigColumns {
  switch (protection) {
    case "crowdsec": {
      const s = settings as SettingsByProtection["crowdsec"];
      return { crowdsecEnabled: enabled, crowdsecMode: s.mode, crowdsecLapiUrl: s.lapiUrl, crowdsecChangedBy: changedBy, crowdsecChangedAt: changedAt };
    }
    case "waf": {
      const s = settings as SettingsByProtection["waf"];
      return {
        wafEnabled: enabled,
        wafMode: s.mode,
        wafParanoia: s.paranoia,
        wafInboundThreshold: s.inboundThreshold,
        wafOutboundThreshold: s.outboundThreshold,
        wafChangedBy: changedBy,
        wafChangedAt: changedAt,
      };
    }
    case "rate_limit": {
      const s = settings as SettingsByProtection["rate_limit"];
      return {
        rateLimitEnabled: enabled,
        rateLimitRequests: s.requests,
        rateLimitWindowSec: s.windowSec,
        rateLimitBurst: s.burst,
        rateLimitChangedBy: changedBy,
        rateLimitChangedAt: changedAt,
      };
    }
    default:
      throw new Error(`unknown protection ${String(protection)}`);
  }
}

/** The name of a protection's version column (for the version-guarded update). */
export const VERSION_FIELD = {
  crowdsec: "crowdsecVersion",
  waf: "wafVersion",
  rate_limit: "rateLimitVersion",
} as const satisfies Record<Protection, keyof ConfigRow>;

export function protectionIntent<P extends Protection>(intent: SecurityIntent, protection: P): ProtectionIntent<P> {
  return intent[protection] as unknown as ProtectionIntent<P>;
}
