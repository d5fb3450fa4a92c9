import type { SecurityStatus } from "@/lib/actions/security/security-queries";

// How often the security page asks GET /api/security/status. An observation looks at the supervised
// process and makes one cheap LAPI request: a few milliseconds, and by contract it never spawns or
// changes anything (ProtectionDriver.observe), so polling often costs the server almost nothing.

/**
 * Normal cadence. A dead agent must show on the card within 2 s (the CrowdSec issue): a 1 s poll
 * plus the request's own time stays under that, where 2 s would not.
 */
export const STATUS_POLL_INTERVAL_MS = 1_000;

/**
 * While a runtime is moving (starting, stopping, the boot reconciler still at work) or a change is
 * in flight: the admin is watching this card for the outcome, so Starting… → Running should not lag.
 */
export const STATUS_FAST_POLL_INTERVAL_MS = 500;

/** Whether any protection's runtime is between two states. */
export function runtimeInMotion(status: SecurityStatus | undefined): boolean {
  if (!status) return false;
  return Object.values(status.runtime).some((r) => r.state === "starting" || r.state === "stopping" || r.reconciling === true);
}

export function statusPollInterval(status: SecurityStatus | undefined, changeInFlight: boolean): number {
  return changeInFlight || runtimeInMotion(status) ? STATUS_FAST_POLL_INTERVAL_MS : STATUS_POLL_INTERVAL_MS;
}
