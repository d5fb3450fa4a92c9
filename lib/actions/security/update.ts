"use server";

import "server-only";
import { db } from "../../db";
import { changeAndApply } from "../../engine/changes";
import { engine } from "../../engine/engine";
import type { SecurityIntent } from "../../security/intent";
import { runAction, type ActionResult } from "../action";

/**
 * A protection's settings ({protection, changes, expectedVersion}, parsed with zod by the store). The
 * engine drives the runtime to them: for the WAF, the tuning file is rendered at once.
 */
export async function updateProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("updateProtection", (ctx) => changeAndApply(engine(), db(), "update", input, ctx));
}
