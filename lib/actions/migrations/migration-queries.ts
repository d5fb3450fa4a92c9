import "server-only";
import { backupsDir, listBackups, type BackupEntry } from "../../migrations/backup/catalog";
import { schemaGate } from "../../migrations/gate";
import { healthBody, sessionsUsable, type HealthBody } from "../../migrations/health";
import { currentMigrationJob, type MigrationJob } from "../../migrations/job";
import type { MigrationReport } from "../../migrations/report";

// The migration area's read queries: the schema gate's verdict as pages and routes show it, the full
// report for /migrations, the backups.

export interface SchemaView {
  /** The schema is healthy: the panel serves. */
  ok: boolean;
  /** The gate's cached report (at most a second old). */
  report: MigrationReport;
  degradedSince: string | null;
  /** What /api/health answers, and what the schema-degraded notice shows. */
  health: HealthBody;
  /** Sign-in can work although the schema is degraded (the account and session tables are intact). */
  sessionsUsable: boolean;
}

export async function schemaView(): Promise<SchemaView> {
  const gate = await schemaGate();
  return { ok: gate.ok, report: gate.report, degradedSince: gate.degradedSince, health: healthBody(gate), sessionsUsable: sessionsUsable(gate) };
}

/** The full migration report for the /migrations page, with the progress of migrations being applied from it. */
export async function migrationReport(): Promise<MigrationReport & { degradedSince: string | null; job: MigrationJob | null }> {
  const gate = await schemaGate();
  return { ...gate.report, degradedSince: gate.degradedSince, job: currentMigrationJob() };
}

/** The backups under <WARDEN_DATA_DIR>/backups, newest first, each with its restore command. */
export function backupList(): { dir: string; backups: BackupEntry[] } {
  const dir = backupsDir();
  return { dir, backups: listBackups(dir) };
}
