"use server";

import "server-only";
import { db } from "../../db";
import { runningDetector } from "../../drift/running-detector";
import { repairMirror } from "../../security/mirror-repair";
import { runAction, type ActionResult } from "../action";
import { parseNoInput } from "../no-input";

/** The banner's remedy for store drift: rewrite the settings mirror from the security config, audited. */
export async function repairMirrorAction(input?: unknown): Promise<ActionResult<{ version: number; rewritten: string[] }>> {
  return runAction("repairMirror", async (ctx) => {
    parseNoInput(input, "Rewriting the mirror");
    const result = await repairMirror(db(), { actor: ctx.actor, requestId: ctx.requestId });
    await runningDetector()?.request(["store"]);
    return result;
  });
}
