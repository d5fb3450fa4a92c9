"use server";

import "server-only";
import { db } from "../../db";
import { prepareScenarioSwitch } from "../../drift/scenario-list";
import { engineCrowdsecSettings } from "../../engine/engine";
import { parseScenarioInput, setScenarioIntent, type ScenarioIntentRow } from "../../security/scenario-intent";
import { runAction, type ActionResult } from "../action";

/** A scenario's switch: intent only; the runtime follows on Apply to runtime. */
export async function setScenarioAction(input: unknown): Promise<ActionResult<ScenarioIntentRow>> {
  return runAction("setScenario", async (ctx) => {
    const parsed = parseScenarioInput(input); // zod: malformed → refused before anything is read or written
    const known = await prepareScenarioSwitch(db(), engineCrowdsecSettings());
    return setScenarioIntent(db(), parsed, ctx, known);
  });
}
