import { db } from "../db";
import { runningDetector, startDriftDetector } from "../drift/registry";
import { engine } from "../engine/registry";
import { log } from "../log";
import { schemaGate } from "../migrations/gate";
import { reconcile, type ReconcileTally } from "./reconcile";

// Boot never waits for the runtime (DECISIONS): the server serves while this runs in the background;
// the status says "reconciling" until it is done. Never while the schema is degraded (it would read
// tables that may not exist): it says so at WARN and tries again when the schema is healthy.
export const DEGRADED_RETRY_MS = 5_000;

const globalForBoot = globalThis as unknown as { wardenBootReconcile?: Promise<ReconcileTally | null> };

export function startBootReconcile(): Promise<ReconcileTally | null> {
  globalForBoot.wardenBootReconcile ??= run();
  return globalForBoot.wardenBootReconcile;
}

async function run(): Promise<ReconcileTally | null> {
  const eng = engine();
  eng.reconciling = true;
  let warned = false;
  try {
    for (;;) {
      const gate = await schemaGate(undefined, { fresh: true });
      if (gate.ok) break;
      if (!warned) {
        log.warn({ event: "reconcile_skipped", source: "boot", reason: gate.report.summary }, "boot reconcile postponed: the schema is degraded; retrying once it is healthy");
        warned = true;
      }
      await new Promise((r) => setTimeout(r, DEGRADED_RETRY_MS).unref?.());
    }
    // The drift detector starts with the reconciler, after the gate; its first check runs now.
    void startDriftDetector();
    const tally = await reconcile(db(), eng, "boot");
    eng.reconciling = false;
    void runningDetector()?.request(["engine"]);
    log.info({ event: "reconcile_done", source: "boot", counts: tally.counts, failed: tally.failed, intentVersion: tally.intentVersion }, "boot reconcile finished");
    return tally;
  } catch (error) {
    log.error({ event: "reconcile_failed", source: "boot", err: error }, "boot reconcile failed: the runtime may not match the intent");
    return null;
  } finally {
    eng.reconciling = false;
  }
}
