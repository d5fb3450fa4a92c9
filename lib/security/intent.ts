import type { Protection, SettingsByProtection } from "./spec/protections";

/** What the admin wants for one protection, as stored. Never a statement about the runtime. */
export interface ProtectionIntent<P extends Protection = Protection> {
  enabled: boolean;
  settings: SettingsByProtection[P];
  /** Per-protection version: a change carries the version it was based on (conflict detection). */
  version: number;
  changedBy: string | null;
  changedAt: string | null;
}

export interface SecurityIntent {
  /** Global version: +1 on every commit; equals the number of committed audit rows. */
  version: number;
  updatedAt: string;
  crowdsec: ProtectionIntent<"crowdsec">;
  waf: ProtectionIntent<"waf">;
  rate_limit: ProtectionIntent<"rate_limit">;
}

/** The part of a protection's intent an audit row records as before/after. */
export function auditSnapshot(intent: ProtectionIntent): { enabled: boolean } & Record<string, unknown> {
  return { enabled: intent.enabled, ...intent.settings };
}
