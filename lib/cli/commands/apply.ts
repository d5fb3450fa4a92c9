import "server-only";
import { db } from "../../db";
import { applyAll } from "../../engine/apply-all";
import { createEngine } from "../../engine/engine";
import { isDomainError } from "../../errors";
import { schemaGate } from "../../migrations/gate";

/**
 * `apply [--json]`: make the runtime match the intent now (what the drift banner's button does):
 * this process's engine drives every runtime driver to the latest intent — the CrowdSec agent, the
 * scenario links (the agent reloaded), the WAF tuning file — under the same instance lock as the
 * panel's. For an external CrowdSec it prints the commands to run instead. Exit 0 only on success.
 */
export async function applyCommand(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length) {
    console.error(`unknown apply argument: ${unknown.join(" ")} (usage: npm run cli -- apply [--json])`);
    return 2;
  }
  const gate = await schemaGate(undefined, { fresh: true });
  if (!gate.ok) {
    console.error(`FAILED: not applying while the schema is degraded. ${gate.report.summary}`);
    return 1;
  }
  const engine = createEngine(db());
  try {
    let report;
    try {
      report = await applyAll(engine, db(), { actor: "cli" });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      console.error(`FAILED: ${error.message}`);
      return 1;
    }
    if (args.includes("--json")) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    if (report.agent) console.log(`CrowdSec agent: ${report.agent.summary}`);
    if (report.edge) console.log(`Edge: ${report.edge.action}${report.edge.generation === null ? "" : ` (generation ${report.edge.generation})`}`);
    if (report.tuningFile) console.log(`WAF tuning file ${report.tuningFile.path}: ${report.tuningFile.written ? "written" : "already matches the intent"}`);
    if (report.mode === "external") {
      console.log("CrowdSec runs externally: Warden changes nothing there. Run:");
      for (const c of report.commands) console.log(`  ${c}`);
      return 0;
    }
    const { enabled, disabled, missingFromHub } = report.scenarios;
    console.log(
      `Scenarios: ${enabled.length} enabled${enabled.length ? ` (${enabled.join(", ")})` : ""}, ${disabled.length} disabled${disabled.length ? ` (${disabled.join(", ")})` : ""}`,
    );
    if (missingFromHub.length) console.log(`WARNING: not in the hub, left alone: ${missingFromHub.join(", ")}`);
    if (report.scenarios.collisions?.length) console.log(`WARNING: a local file holds the link's name, left alone: ${report.scenarios.collisions.join(", ")}`);
    console.log(
      report.reload.reloaded
        ? `Agent reloaded in ${report.reload.ms} ms (${report.reload.scenariosLoaded ?? "?"} scenarios loaded).`
        : `Agent not reloaded: ${report.reload.reason}.`,
    );
    return 0;
  } finally {
    engine.close();
    await db().$disconnect();
  }
}
