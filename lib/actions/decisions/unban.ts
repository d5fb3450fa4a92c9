"use server";

import "server-only";
import { db } from "../../db";
import { engine } from "../../engine/engine";
import { runAction, type ActionResult } from "../action";
import { unbanDecisionIds } from "./unban-decisions";

/** Unban one or many decisions (by LAPI id) through the Local API; audited with the admin as actor. */
export async function unbanDecisionsAction(input: unknown): Promise<ActionResult<{ deleted: number; values: string[] }>> {
  return runAction("unbanDecisions", (ctx) => unbanDecisionIds(db(), engine(), input, ctx));
}
