"use server";

// STUB(lead): replaced on merge by the real answer (machine credentials present, CrowdSec on, LAPI up).
import "server-only";
import { runAction, type ActionResult } from "../action";

export async function decisionCapabilitiesAction(): Promise<ActionResult<{ canBan: boolean; reason: string | null }>> {
  return runAction("decisionCapabilities", async () => ({ canBan: true, reason: null }));
}
