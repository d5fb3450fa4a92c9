"use server";

import "server-only";
import { db } from "../../db";
import { changeAndApply } from "../../engine/changes";
import { engine } from "../../engine/engine";
import type { SecurityIntent } from "../../security/intent";
import { runAction, type ActionResult } from "../action";

/**
 * A protection's switch. The input ({protection, on, expectedVersion}) is parsed with zod by the
 * store before anything is written; the engine drives the runtime to the committed intent and a
 * runtime failure rolls the intent back (RUNTIME_FAILED).
 */
export async function toggleProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("toggleProtection", (ctx) => changeAndApply(engine(), db(), "toggle", input, ctx));
}
