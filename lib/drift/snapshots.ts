import "server-only";
import type { Db } from "../db";
import type { DriftSnapshot as DriftSnapshotRow } from "../generated/sqlite/client";
import { log } from "../log";
import { SURFACES, type DriftReport, type Surface, type SurfaceSnapshot } from "./drift-report";

// Drift snapshots as rows of `drift_snapshots` (what a replica without a detector, or a restarted
// panel, reads), and the report built over one snapshot per surface.

/** Reads the persisted snapshots of the known surfaces into `into`; a table that cannot be read leaves it empty (WARN). */
export async function loadSnapshots(db: Db, into: Map<Surface, SurfaceSnapshot>): Promise<void> {
  try {
    const rows = await db.driftSnapshot.findMany();
    for (const r of rows) {
      if (!(SURFACES as readonly string[]).includes(r.surface)) continue;
      into.set(r.surface as Surface, snapshotFromRow(r));
    }
  } catch (error) {
    log.warn(
      { event: "drift_load_failed", source: "lib/drift", reason: (error as Error).message },
      "could not read the persisted drift snapshots; starting empty",
    );
  }
}

/** Upserts one row per snapshot in one transaction; a failure is logged (WARN) and the snapshots stay in memory only. */
export async function persistSnapshots(db: Db, snapshots: SurfaceSnapshot[]): Promise<void> {
  if (!snapshots.length) return;
  try {
    await db.$transaction(
      snapshots.map((s) => {
        const data = {
          status: s.verdict,
          expected: s.expected ? JSON.stringify(s.expected) : null,
          actual: s.actual ? JSON.stringify(s.actual) : null,
          differences: JSON.stringify(s.differences),
          reason: s.reason,
          since: s.since ? new Date(s.since) : null,
          checkedAt: new Date(s.checkedAt),
        };
        return db.driftSnapshot.upsert({ where: { surface: s.surface }, create: { surface: s.surface, ...data }, update: data });
      }),
    );
  } catch (error) {
    log.warn({ event: "drift_persist_failed", source: "lib/drift", reason: (error as Error).message }, "could not persist drift snapshots (kept in memory)");
  }
}

/** A `drift_snapshots` row as the snapshot it persisted. */
export function snapshotFromRow(r: DriftSnapshotRow): SurfaceSnapshot {
  return {
    surface: r.surface as Surface,
    verdict: r.status as SurfaceSnapshot["verdict"],
    differences: JSON.parse(r.differences) as SurfaceSnapshot["differences"],
    expected: r.expected ? (JSON.parse(r.expected) as Record<string, unknown>) : null,
    actual: r.actual ? (JSON.parse(r.actual) as Record<string, unknown>) : null,
    reason: r.reason,
    since: r.since?.toISOString() ?? null,
    checkedAt: r.checkedAt.toISOString(),
  };
}

/** A surface with no snapshot yet. */
export function unknownSnapshot(surface: Surface): SurfaceSnapshot {
  return {
    surface,
    verdict: "cannot_verify",
    differences: [],
    expected: null,
    actual: null,
    reason: "not checked yet",
    since: null,
    checkedAt: new Date(0).toISOString(),
  };
}

/** The report over one snapshot per surface: as old as its stalest snapshot. */
export function buildReport(snapshots: SurfaceSnapshot[], now = Date.now()): DriftReport {
  const surfaces = Object.fromEntries(snapshots.map((s) => [s.surface, s])) as Record<Surface, SurfaceSnapshot>;
  const checked = snapshots.map((s) => Date.parse(s.checkedAt)).filter((t) => t > 0);
  const checkedAt = checked.length ? new Date(Math.min(...checked)).toISOString() : null;
  return {
    surfaces,
    drift: snapshots.some((s) => s.verdict === "drift"),
    cannotVerify: snapshots.some((s) => s.verdict === "cannot_verify"),
    checkedAt,
    ageMs: checkedAt ? Math.max(0, now - Date.parse(checkedAt)) : null,
  };
}
