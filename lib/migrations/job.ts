// The migrations an admin is applying from the health page, step by step, so the page can show
// progress while the action runs (polled through GET /api/migrations). One per process, in the
// process registry (Next.js can load this module twice); the migration lock, not this, keeps two replicas
// from applying at once.

import { processSlot } from "../process-registry";

export type JobPhase = "backing_up" | "applying" | "done" | "failed";

export interface MigrationJob {
  startedBy: string;
  startedAt: string;
  phase: JobPhase;
  /** The migration being applied now. */
  current: string | null;
  applied: { name: string; ms: number }[];
  backup: { path: string; restoreCommand: string } | null;
  error: string | null;
  finishedAt: string | null;
}

const jobSlot = processSlot<MigrationJob | null>("migrations.job");

export function currentMigrationJob(): MigrationJob | null {
  return jobSlot.get() ?? null;
}

/** Starts a job, or returns null when one is running in this process. */
export function startMigrationJob(startedBy: string): MigrationJob | null {
  const running = currentMigrationJob();
  if (running && (running.phase === "backing_up" || running.phase === "applying")) return null;
  const job: MigrationJob = {
    startedBy,
    startedAt: new Date().toISOString(),
    phase: "backing_up",
    current: null,
    applied: [],
    backup: null,
    error: null,
    finishedAt: null,
  };
  jobSlot.set(job);
  return job;
}

export function finishMigrationJob(job: MigrationJob, outcome: { error: string | null }): void {
  job.phase = outcome.error ? "failed" : "done";
  job.error = outcome.error;
  job.current = null;
  job.finishedAt = new Date().toISOString();
}

/** For tests. */
export function resetMigrationJob(): void {
  jobSlot.set(null);
}
