"use server";

// STUB(lead): replaced on merge by the real alerts reader (LAPI with the machine credentials).
import "server-only";
import type { AlertRow } from "../../decisions/decision-types";
import { runAction, type ActionResult } from "../action";

export async function listAlertsAction(_input?: unknown): Promise<ActionResult<{ available: boolean; reason: string | null; alerts: AlertRow[] }>> {
  return runAction("listAlerts", async () => ({ available: false, reason: "Alerts are not available in this build yet (STUB).", alerts: [] }));
}
