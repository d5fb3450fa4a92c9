import "server-only";
import { appendAuditOrLog } from "../../audit/append";
import type { Db } from "../../db";
import { parseUnbanInput } from "../../decisions/ban-input";
import { unbanDecisions } from "../../engine/blocklist/decision-admin";
import type { Engine } from "../../engine/engine";
import { isDomainError, ValidationError } from "../../errors";
import { readIntent } from "../../security/intent-store";

/** The use case behind the unban action: ids through LAPI, one audit row (refusals included). */
export async function unbanDecisionIds(
  database: Db,
  eng: Engine,
  input: unknown,
  ctx: { actor: string; requestId: string },
): Promise<{ deleted: number; values: string[] }> {
  const parsed = parseUnbanInput(input);
  if (!parsed.ok) throw new ValidationError(parsed.message, parsed.fields);
  const intent = await readIntent(database, ctx.requestId);
  try {
    const r = await unbanDecisions(intent, eng.crowdsec, parsed.ids, eng.decisions);
    await appendAuditOrLog(
      database,
      {
        actor: ctx.actor,
        action: "unban",
        protection: "crowdsec",
        before: { ids: parsed.ids },
        after: { values: r.values, alreadyGone: r.missing },
        outcome: "applied",
        requestId: ctx.requestId,
      },
      "unban",
    );
    return { deleted: r.deleted, values: r.values };
  } catch (error) {
    const message = `The unban failed: ${(error as Error).message}`;
    await appendAuditOrLog(
      database,
      { actor: ctx.actor, action: "unban", protection: "crowdsec", before: { ids: parsed.ids }, outcome: "rejected", error: message, requestId: ctx.requestId },
      "unban refusal",
    );
    if (isDomainError(error)) throw Object.assign(error, { message });
    throw error;
  }
}
