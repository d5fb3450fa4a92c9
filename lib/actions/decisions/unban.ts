"use server";

import "server-only";
import { appendAuditOrLog } from "../../audit/append";
import { db } from "../../db";
import { parseUnbanInput } from "../../decisions/ban-input";
import { unbanDecisions } from "../../engine/blocklist/decision-admin";
import { engine } from "../../engine/engine";
import { isDomainError, ValidationError } from "../../errors";
import { readIntent } from "../../security/intent-store";
import { runAction, type ActionResult } from "../action";

/** Unban one or many decisions (by LAPI id) through the Local API; audited with the admin as actor. */
export async function unbanDecisionsAction(input: unknown): Promise<ActionResult<{ deleted: number; values: string[] }>> {
  return runAction("unbanDecisions", async (ctx) => {
    const parsed = parseUnbanInput(input);
    if (!parsed.ok) throw new ValidationError(parsed.message, parsed.fields);
    const intent = await readIntent(db(), ctx.requestId);
    try {
      const eng = engine();
      const r = await unbanDecisions(intent, eng.crowdsec, parsed.ids, eng.decisions);
      await appendAuditOrLog(
        db(),
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
        db(),
        {
          actor: ctx.actor,
          action: "unban",
          protection: "crowdsec",
          before: { ids: parsed.ids },
          outcome: "rejected",
          error: message,
          requestId: ctx.requestId,
        },
        "unban refusal",
      );
      if (isDomainError(error)) throw Object.assign(error, { message });
      throw error;
    }
  });
}
