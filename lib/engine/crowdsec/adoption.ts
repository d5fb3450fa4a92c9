import "server-only";
import { existsSync } from "node:fs";
import type { Db } from "../../db";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";
import type { SecurityIntent } from "../../security/intent";
import { adoptScenarios, needsAdoption } from "../../security/scenario-intent";
import type { RuntimeScenariosOk } from "./scenario-files";

/**
 * First init of scenario intent (ADR 007): the runtime's enabled set becomes the
 * intent, once. Every path that reads or writes scenario intent calls this first — the detector, a
 * scenario switch, Apply — so nothing can treat "no rows yet" as "everything disabled" and unlink the
 * runtime's scenarios. A managed instance is adopted only once complete (its marker is written last).
 * Returns true when intent exists afterwards.
 */
export async function ensureScenarioAdoption(db: Db, s: CrowdsecRuntimeSettings, intent: SecurityIntent, runtime: RuntimeScenariosOk): Promise<boolean> {
  if (!(await needsAdoption(db))) return true;
  if (intent.crowdsec.settings.mode === "local" && !existsSync(instancePaths(s).marker)) return false;
  await adoptScenarios(db, runtime.enabled.keys());
  return true;
}
