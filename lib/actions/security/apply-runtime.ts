"use server";

import "server-only";
import { db } from "../../db";
import { runningDetector } from "../../drift/running-detector";
import { SURFACES } from "../../drift/drift-report";
import { applyAll, type ApplyReport } from "../../engine/apply-all";
import { engine } from "../../engine/engine";
import { runAction, type ActionResult } from "../action";
import { parseNoInput } from "../no-input";

/** "Apply to runtime" on the drift banner: the engine drives every runtime to the latest intent, audited once. */
export async function applyRuntimeAction(input?: unknown): Promise<ActionResult<ApplyReport>> {
  return runAction("applyRuntime", async (ctx) => {
    parseNoInput(input, "Apply to runtime");
    const report = await applyAll(engine(), db(), ctx);
    // The banner clears when the detector sees the runtime match, not because of this click.
    await runningDetector()?.request(SURFACES);
    return report;
  });
}
