"use server";

import "server-only";
import { db } from "../../db";
import { engine } from "../../engine/engine";
import { runAction, type ActionResult } from "../action";
import { banDecision, type BanResult } from "./ban-decision";

/**
 * Ban an IP or CIDR for a duration with a reason, through CrowdSec's Local API. Bad input is refused
 * before anything is sent; a ban that covers the admin's own address or one the panel needs is
 * refused unless confirmed; LAPI unreachable → a clear error and nothing recorded as done. Audited
 * with the admin as actor, refusals included.
 */
export async function banDecisionAction(input: unknown): Promise<ActionResult<BanResult>> {
  return runAction("banDecision", (ctx) => banDecision(db(), engine(), input, ctx));
}
