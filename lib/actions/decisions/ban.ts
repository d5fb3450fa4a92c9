"use server";

import "server-only";
import { appendAuditOrLog } from "../../audit/append";
import { db } from "../../db";
import { parseBanInput } from "../../decisions/ban-input";
import { describeSelfBlock } from "../../decisions/self-block";
import { banAddress, type BanOutcome } from "../../engine/blocklist/decision-admin";
import { engine } from "../../engine/engine";
import { isDomainError, SelfBlockError, ValidationError } from "../../errors";
import { readIntent } from "../../security/intent-store";
import { runAction, type ActionResult } from "../action";
import { banConflicts, panelNeeds } from "./ban-guard";

/**
 * Ban an IP or CIDR for a duration with a reason, through CrowdSec's Local API. Bad input is refused
 * before anything is sent; a ban that covers the admin's own address or one the panel needs is
 * refused unless confirmed; LAPI unreachable → a clear error and nothing recorded as done. Audited
 * with the admin as actor, refusals included.
 */
export async function banDecisionAction(input: unknown): Promise<ActionResult<{ value: string; until: string; enforcedMs: number | null }>> {
  return runAction("banDecision", async (ctx) => {
    const parsed = parseBanInput(input);
    if (!parsed.ok) throw new ValidationError(parsed.message, parsed.fields);
    const ban = parsed.ban;
    const intent = await readIntent(db(), ctx.requestId);
    const record = { value: ban.value, scope: ban.scope, duration: ban.lapiDuration, reason: ban.reason };
    const refuse = async (error: string) =>
      appendAuditOrLog(
        db(),
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
      const eng = engine();
      outcome = await banAddress(intent, eng.crowdsec, ban, eng.decisions);
    } catch (error) {
      const message = `The ban of ${ban.value} was not made: ${(error as Error).message}`;
      await refuse(message);
      if (isDomainError(error)) throw Object.assign(error, { message });
      throw error;
    }
    await appendAuditOrLog(
      db(),
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
  });
}
