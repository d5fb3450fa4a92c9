"use server";

import "server-only";
import { z } from "zod";
import { db } from "../../db";
import { machineUnavailable, recentAlerts } from "../../engine/blocklist/decision-admin";
import type { LapiAlert } from "../../engine/blocklist/lapi-client";
import { engine } from "../../engine/engine";
import { MalformedRequestError } from "../../errors";
import { readIntent } from "../../security/intent-store";
import { runAction, type ActionResult } from "../action";

const ZAlerts = z
  .object({ limit: z.number().int().min(1).max(500).optional() })
  .strict()
  .optional();

/** Recent alerts from LAPI (scenario, source, events, time, the decisions they caused). */
export async function listAlertsAction(input?: unknown): Promise<ActionResult<{ available: boolean; reason: string | null; alerts: LapiAlert[] }>> {
  return runAction("listAlerts", async (ctx) => {
    const parsed = ZAlerts.safeParse(input);
    if (!parsed.success) throw new MalformedRequestError(parsed.error.issues[0]?.message ?? "The request is malformed");
    const intent = await readIntent(db(), ctx.requestId);
    const s = engine().crowdsec;
    const { reason } = await machineUnavailable(intent, s);
    if (reason) return { available: false, reason, alerts: [] };
    return { available: true, reason: null, alerts: await recentAlerts(intent, s, parsed.data?.limit ?? 100) };
  });
}
