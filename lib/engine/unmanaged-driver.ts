import type { SecurityIntent } from "../security/intent";
import type { ApplyResult, ProtectionDriver, RuntimeObservation } from "./drivers";
import type { Protection } from "../security/spec/protections";

// Until a protection has a real driver, the panel says so instead of pretending: the runtime row
// reads "not managed by Warden yet" and nothing is ever reported as running or enforced.
const REASONS: Record<Protection, string> = {
  crowdsec: "Not managed by Warden yet: no CrowdSec agent is connected, so nothing is observed.",
  waf: "Intent only: no WAF runtime is connected, so nothing enforces these settings.",
  rate_limit: "Intent only: no runtime enforces rate limiting yet.",
};

export function unmanagedDriver(protection: Protection): ProtectionDriver {
  return {
    protection,
    async apply(intent: SecurityIntent): Promise<ApplyResult> {
      return { status: "not_managed", version: intent.version, reason: REASONS[protection] };
    },
    async observe(): Promise<RuntimeObservation> {
      return { protection, state: "unmanaged", summary: REASONS[protection], observedAt: new Date().toISOString() };
    },
  };
}
