import "server-only";
import { db as defaultDb } from "../db";
import { engine as defaultEngine } from "../engine/engine";
import { log } from "../log";
import { schemaGate } from "../migrations/gate";
import { DriftDetector } from "./detector";
import { buildReport, snapshotFromRow } from "./snapshots";
import { driftSettings } from "./drift-settings";
import { SURFACES, type DriftReport, type Surface, type SurfaceSnapshot } from "./drift-report";
import { processSlot } from "../process-registry";

// Exactly one detector per process, even under hot reload (in the process registry), started after
// the schema gate by lib/reconcile/boot.ts.

const driftSlot = processSlot<{ detector: DriftDetector; started: Promise<void> }>("drift-detector");

export function startDriftDetector(): Promise<void> {
  const running = driftSlot.get();
  if (running) return running.started;
  const eng = defaultEngine();
  const detector = new DriftDetector({
    db: defaultDb(),
    engine: eng,
    settings: driftSettings(),
    schemaOk: async () => {
      const gate = await schemaGate();
      return { ok: gate.ok, reason: gate.report.summary };
    },
  });
  const started = detector.start().catch((error: unknown) => {
    log.error({ event: "drift_start_failed", source: "lib/drift", err: error }, "drift detector failed to start");
  });
  driftSlot.set({ detector, started });
  return started;
}

export function runningDetector(): DriftDetector | null {
  return driftSlot.get()?.detector ?? null;
}

export function stopDriftDetector(): void {
  driftSlot.get()?.detector.stop();
  driftSlot.clear();
}

/**
 * The cached snapshot: this process's detector, else what the last detector persisted (a replica
 * without a detector, or before the first check). Never recomputes.
 */
export async function driftReport(): Promise<DriftReport> {
  const detector = runningDetector();
  if (detector) return detector.report();
  const rows = await defaultDb().driftSnapshot.findMany();
  const snapshots: SurfaceSnapshot[] = SURFACES.map((surface: Surface) => {
    const r = rows.find((x) => x.surface === surface);
    if (!r)
      return {
        surface,
        verdict: "cannot_verify",
        differences: [],
        expected: null,
        actual: null,
        reason: "not checked yet: the drift detector has not run",
        since: null,
        checkedAt: new Date(0).toISOString(),
      };
    return snapshotFromRow(r);
  });
  return buildReport(snapshots);
}
