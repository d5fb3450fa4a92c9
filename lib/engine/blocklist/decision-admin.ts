import "server-only";
import { performance } from "node:perf_hooks";
import { DomainError } from "../../errors";
import type { BanRequest } from "../../decisions/ban-input";
import type { SecurityIntent } from "../../security/intent";
import type { CrowdsecRuntimeSettings } from "../crowdsec/settings";
import type { DecisionLoop } from "./decision-loop";
import { VERIFY_BAN_REASON } from "./ban-probe";
import { LapiClient, type LapiAlert } from "./lapi-client";
import { lapiAccess, type LapiAccess } from "./lapi-credentials";

// Ban, unban and recent alerts: changes to CrowdSec's state, made through LAPI with Warden's machine
// credentials (never a spawned cscli). The edge follows through the decision loop; on the leader the
// loop is woken at once and the ban's answer says when the edge enforced it.

export interface BanOutcome {
  value: string;
  alertId: number;
  until: string;
  /** Accepted by LAPI → served by the edge, when this process runs the loop and saw it within the wait. */
  enforcedMs: number | null;
}

/** Why ban, unban and alerts are unavailable for this intent (null when they are available). */
export async function machineUnavailable(intent: SecurityIntent, s: CrowdsecRuntimeSettings): Promise<{ access: LapiAccess | null; reason: string | null }> {
  if (!intent.crowdsec.enabled) return { access: null, reason: "CrowdSec is off: turn it on to ban, unban and see alerts" };
  const access = await lapiAccess(intent, s);
  return { access, reason: access.machine ? null : access.machineProblem };
}

async function machineClient(intent: SecurityIntent, s: CrowdsecRuntimeSettings): Promise<LapiClient> {
  const { access, reason } = await machineUnavailable(intent, s);
  if (!access || reason) throw new DomainError("ENGINE", reason ?? "LAPI is not available");
  return new LapiClient(access);
}

/** Bans a validated value through LAPI; waits up to `waitMs` for the edge to serve it when the loop runs here. */
export async function banAddress(
  intent: SecurityIntent,
  s: CrowdsecRuntimeSettings,
  ban: Pick<BanRequest, "value" | "scope" | "seconds" | "lapiDuration" | "reason">,
  loop: DecisionLoop | null,
  waitMs = 3_000,
): Promise<BanOutcome> {
  const client = await machineClient(intent, s);
  const alertId = await client.ban({ value: ban.value, scope: ban.scope, duration: ban.lapiDuration, reason: ban.reason });
  const accepted = performance.now();
  const until = new Date(Date.now() + ban.seconds * 1000).toISOString();
  if (!loop?.isRunning) return { value: ban.value, alertId, until, enforcedMs: null };
  loop.kick();
  const enforced = await loop.waitForEntry(ban.value, true, waitMs);
  return { value: ban.value, alertId, until, enforcedMs: enforced ? Math.round(performance.now() - accepted) : null };
}

/** Deletes decisions by id through LAPI; answers what was deleted (an id already gone counts 0). */
export async function unbanDecisions(
  intent: SecurityIntent,
  s: CrowdsecRuntimeSettings,
  ids: readonly number[],
  loop: DecisionLoop | null,
): Promise<{ deleted: number; values: string[]; missing: number[] }> {
  const client = await machineClient(intent, s);
  const active = new Map((await client.active().catch(() => [])).map((d) => [d.id, d.value]));
  let deleted = 0;
  const values: string[] = [];
  const missing: number[] = [];
  for (const id of ids) {
    const n = await client.unban(id);
    deleted += n;
    if (n > 0) values.push(active.get(id) ?? `decision ${id}`);
    else missing.push(id);
  }
  loop?.kick();
  return { deleted, values: [...new Set(values)], missing };
}

/** Recent alerts, Verify's own ban checks left out. */
export async function recentAlerts(intent: SecurityIntent, s: CrowdsecRuntimeSettings, limit = 100): Promise<LapiAlert[]> {
  return (await (await machineClient(intent, s)).alerts(limit)).filter((a) => a.scenario !== VERIFY_BAN_REASON);
}
