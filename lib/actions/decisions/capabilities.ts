"use server";

import "server-only";
import { db } from "../../db";
import { machineUnavailable } from "../../engine/blocklist/decision-admin";
import { engine } from "../../engine/engine";
import { readIntent } from "../../security/intent-store";
import { runAction, type ActionResult } from "../action";

/** Whether ban, unban and alerts are available, and why not (CrowdSec off, no machine credentials). */
export async function decisionCapabilitiesAction(): Promise<ActionResult<{ canBan: boolean; reason: string | null }>> {
  return runAction("decisionCapabilities", async (ctx) => {
    const intent = await readIntent(db(), ctx.requestId);
    const { reason } = await machineUnavailable(intent, engine().crowdsec);
    return { canBan: reason === null, reason };
  });
}
