import "server-only";
import { db } from "../../db";
import { createEngine } from "../../engine/engine";
import { schemaGate } from "../../migrations/gate";
import { reconcile } from "../../reconcile/reconciler";
import { plural } from "../../plural";

/**
 * `reconcile [--json]`: make the runtime match the stored intent now (what the panel does at boot).
 * Shares the instance lock with the panel, so the two never start or stop the agent at once.
 * Exit 0 only when every runtime matches its intent.
 */
export async function reconcileCommand(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length) {
    console.error(`unknown reconcile argument: ${unknown.join(" ")} (usage: npm run cli -- reconcile [--json])`);
    return 2;
  }
  const gate = await schemaGate(undefined, { fresh: true });
  if (!gate.ok) {
    console.error(`FAILED: not reconciling while the schema is degraded. ${gate.report.summary}`);
    return 1;
  }
  const engine = createEngine(db());
  try {
    const tally = await reconcile(db(), engine, "cli");
    if (args.includes("--json")) console.log(JSON.stringify(tally, null, 2));
    else {
      for (const d of tally.decisions) {
        console.log(
          `${d.protection.padEnd(10)} desired ${d.desired.padEnd(18)} observed ${d.observed.padEnd(13)} → ${d.action.padEnd(6)} ${d.result}: ${d.reason}${d.ms !== undefined ? ` (${d.ms} ms)` : ""}`,
        );
      }
      console.log(
        tally.failed === 0
          ? "Runtime matches the intent."
          : `FAILED: ${plural(tally.failed, "runtime")} ${tally.failed === 1 ? "does" : "do"} not match the intent.`,
      );
    }
    return tally.failed === 0 ? 0 : 1;
  } finally {
    engine.close();
    await db().$disconnect();
  }
}
