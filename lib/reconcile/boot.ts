import "server-only";
import { db } from "../db";
import { runningDetector, startDriftDetector, stopDriftDetector } from "../drift/running-detector";
import { engine } from "../engine/engine";
import { env } from "../env";
import { log } from "../log";
import { schemaGate } from "../migrations/gate";
import { convertRateLimitIntent } from "../security/rate-limit-upgrade";
import { electLeader, type Leadership } from "./leader";
import { reconcile } from "./reconciler";
import { singleton } from "../process-registry";

// Boot never waits for the runtime (ADR 005): the server serves while this runs in the background;
// the status says "reconciling" until it is done. Never while the schema is degraded (it would read
// tables that may not exist): it says so at WARN and tries again when the schema is healthy. Then the
// leader election (lib/reconcile/leader.ts): the leader — always this process with SQLite — runs the
// reconciler and the drift detector; with several replicas on PostgreSQL the others serve the leader's
// persisted drift snapshot and take over when it goes away.
export const DEGRADED_RETRY_MS = 5_000;

export function startBootReconcile(): Promise<Leadership | null> {
  return singleton("boot-reconcile", run);
}

async function run(): Promise<Leadership | null> {
  let warned = false;
  try {
    for (;;) {
      const gate = await schemaGate(undefined, { fresh: true });
      if (gate.ok) break;
      if (!warned) {
        log.warn(
          { event: "reconcile_skipped", source: "boot", reason: gate.report.summary },
          "boot reconcile postponed: the schema is degraded; retrying once it is healthy",
        );
        warned = true;
      }
      await new Promise((r) => setTimeout(r, DEGRADED_RETRY_MS).unref?.());
    }
  } catch (error) {
    log.error({ event: "reconcile_failed", source: "boot", err: error }, "boot reconcile failed: the runtime may not match the intent");
    return null;
  }
  // Before anything reads the intent (the drift detector's store check, the reconciler): a rate limit an
  // older version stored as requests per window is converted once, by an audited commit (ADR 013).
  // readIntent converts too, so a failure here only postpones it to the first read.
  await convertRateLimitIntent(db()).catch((error: unknown) =>
    log.error({ event: "rate_limit_conversion_failed", source: "boot", err: error }, "could not convert the stored rate limit at boot"),
  );
  return electLeader(env().DATABASE_URL, {
    onElected: lead,
    onLost: () => {
      stopDriftDetector();
      engine().verifier.stop();
      void engine().decisions.stop();
    },
  });
}

/** As the leader: the drift detector starts (its first check runs now) and the reconciler runs once. */
async function lead(): Promise<void> {
  const eng = engine();
  eng.reconciling = true;
  try {
    void startDriftDetector();
    // Verify protection runs on the leader, beside the edge it probes.
    eng.verifier.schedule(env().WARDEN_VERIFY_INTERVAL_MS);
    // CrowdSec's decisions reach the edge through the leader's loop alone (one reload per batch).
    eng.decisions.start();
    const tally = await reconcile(db(), eng, "boot");
    eng.reconciling = false;
    void runningDetector()?.request(["engine"]);
    log.info(
      { event: "reconcile_done", source: "boot", counts: tally.counts, failed: tally.failed, intentVersion: tally.intentVersion },
      "boot reconcile finished",
    );
  } catch (error) {
    log.error({ event: "reconcile_failed", source: "boot", err: error }, "boot reconcile failed: the runtime may not match the intent");
  } finally {
    eng.reconciling = false;
  }
}
