"use server";

import { runAction, type ActionResult } from "@/lib/actions/action";
import { db } from "@/lib/db";
import { changeAndApply } from "@/lib/engine/changes";
import { applyToRuntime, type ApplyReport } from "@/lib/drift/remediate";
import { runningDetector } from "@/lib/drift/registry";
import { prepareScenarioSwitch } from "@/lib/drift/scenario-list";
import { driftSettings } from "@/lib/drift/settings";
import { SURFACES } from "@/lib/drift/types";
import { engine, engineCrowdsecSettings } from "@/lib/engine/registry";
import { MalformedRequestError } from "@/lib/errors";
import type { SecurityIntent } from "@/lib/security/intent";
import { parseScenarioInput, setScenarioIntent, type ScenarioIntentRow } from "@/lib/security/scenarios";
import { repairMirror } from "@/lib/security/store";

// Thin: runAction checks the session; the input is untrusted and validated in lib/security, which
// owns the one write path. The actor is the signed-in admin. Each change waits for the runtime
// (lib/engine/changes): a runtime failure rolls the intent back and comes back as RUNTIME_FAILED.

export async function toggleProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("toggleProtection", (ctx) => changeAndApply(engine(), db(), "toggle", input, ctx));
}

export async function updateProtectionAction(input: unknown): Promise<ActionResult<SecurityIntent>> {
  return runAction("updateProtection", (ctx) => changeAndApply(engine(), db(), "update", input, ctx));
}

export async function setScenarioAction(input: unknown): Promise<ActionResult<ScenarioIntentRow>> {
  return runAction("setScenario", async (ctx) => {
    const parsed = parseScenarioInput(input); // malformed → refused before anything is read or written
    const known = await prepareScenarioSwitch(db(), engineCrowdsecSettings());
    return setScenarioIntent(db(), parsed, ctx, known);
  });
}

/** The banner's remedy for store drift: rewrite the settings mirror from the security config. No input. */
export async function repairMirrorAction(input?: unknown): Promise<ActionResult<{ version: number; rewritten: string[] }>> {
  return runAction("repairMirror", async (ctx) => {
    if (input !== undefined && input !== null && !(typeof input === "object" && Object.keys(input).length === 0)) {
      throw new MalformedRequestError("Rewriting the mirror takes no input.");
    }
    const result = await repairMirror(db(), { actor: ctx.actor, requestId: ctx.requestId });
    await runningDetector()?.request(["store"]);
    return result;
  });
}

/** "Apply to runtime" on the drift banner. Takes no input; anything sent is refused. */
export async function applyRuntimeAction(input?: unknown): Promise<ActionResult<ApplyReport>> {
  return runAction("applyRuntime", async (ctx) => {
    if (input !== undefined && input !== null && !(typeof input === "object" && Object.keys(input).length === 0)) {
      throw new MalformedRequestError("Apply to runtime takes no input.");
    }
    const report = await applyToRuntime(db(), engineCrowdsecSettings(), driftSettings(), ctx);
    // The banner clears when the detector sees the runtime match, not because of this click.
    await runningDetector()?.request(SURFACES);
    return report;
  });
}
