import "server-only";
import { appendAuditOrLog } from "../../audit/append";
import type { Db } from "../../db";
import { parseBanInput } from "../../decisions/ban-input";
import { describeSelfBlock } from "../../decisions/self-block";
import { banAddress, type BanOutcome } from "../../engine/blocklist/decision-admin";
import type { Engine } from "../../engine/engine";
import { isDomainError, SelfBlockError, ValidationError } from "../../errors";
import { readIntent } from "../../security/intent-store";
import { banConflicts, panelNeeds } from "./ban-guard";

export interface BanResult {
  value: string;
  until: string;
  enforcedMs: number | null;
}

/** The use case behind the action (tests call it with a real LAPI and edge). */
export async function banDecision(database: Db, eng: Engine, input: unknown, ctx: { actor: string; requestId: string; headers: Headers }): Promise<BanResult> {
  const parsed = parseBanInput(input);
  if (!parsed.ok) throw new ValidationError(parsed.message, parsed.fields);
  const ban = parsed.ban;
  const intent = await readIntent(database, ctx.requestId);
  const record = { value: ban.value, scope: ban.scope, duration: ban.lapiDuration, reason: ban.reason };
  const refuse = async (error: string) =>
    appendAuditOrLog(
      database,
      { actor: ctx.actor, action: "ban", protection: "crowdsec", after: record, outcome: "rejected", error, requestId: ctx.requestId },
      "ban refusal",
    );
  const conflicts = banConflicts(ban, panelNeeds(ctx.headers, intent));
  if (conflicts.length > 0 && !ban.confirmSelfBlock) {
    const message = describeSelfBlock(conflicts);
    await refuse(message);
    throw new SelfBlockError(message);
  }
  let outcome: BanOutcome;
  try {
    outcome = await banAddress(intent, eng.crowdsec, ban, eng.decisions);
  } catch (error) {
    const message = `The ban of ${ban.value} was not made: ${(error as Error).message}`;
    await refuse(message);
    if (isDomainError(error)) throw Object.assign(error, { message });
    throw error;
  }
  await appendAuditOrLog(
    database,
    {
      actor: ctx.actor,
      action: "ban",
      protection: "crowdsec",
      after: { ...record, until: outcome.until, alertId: outcome.alertId, selfBlockConfirmed: conflicts.length > 0 ? conflicts : undefined },
      outcome: "applied",
      runtimeResult: { enforcedMs: outcome.enforcedMs },
      requestId: ctx.requestId,
    },
    "ban",
  );
  return { value: outcome.value, until: outcome.until, enforcedMs: outcome.enforcedMs };
}
