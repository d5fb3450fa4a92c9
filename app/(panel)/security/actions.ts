"use server";

import { runAction, type ActionResult } from "@/lib/actions/action";
import { db } from "@/lib/db";
import type { SecurityIntent } from "@/lib/security/intent";
import { toggleProtection, updateProtection } from "@/lib/security/store";

// Thin: runAction checks the session; the input is untrusted and validated in lib/security, which
// owns the one write path. The actor is the signed-in admin.

export async function toggleProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("toggleProtection", async (ctx) => (await toggleProtection(db(), input, ctx)).intent);
}

export async function updateProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("updateProtection", async (ctx) => (await updateProtection(db(), input, ctx)).intent);
}
