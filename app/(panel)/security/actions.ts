"use server";

import { runAction, type ActionResult } from "@/lib/actions/action";
import { db } from "@/lib/db";
import { changeAndApply } from "@/lib/engine/changes";
import { engine } from "@/lib/engine/registry";
import type { SecurityIntent } from "@/lib/security/intent";

// Thin: runAction checks the session; the input is untrusted and validated in lib/security, which
// owns the one write path. The actor is the signed-in admin. Each change waits for the runtime
// (lib/engine/changes): a runtime failure rolls the intent back and comes back as RUNTIME_FAILED.

export async function toggleProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("toggleProtection", (ctx) => changeAndApply(engine(), db(), "toggle", input, ctx));
}

export async function updateProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("updateProtection", (ctx) => changeAndApply(engine(), db(), "update", input, ctx));
}
