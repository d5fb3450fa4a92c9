"use server";

import "server-only";
import { z } from "zod";
import { runAction, type ActionResult } from "../action";
import { confirmOwnPassword } from "../../auth/confirm-password";
import { db } from "../../db";
import { env } from "../../env";
import { MigrationSafetyError, ValidationError } from "../../errors";
import { log } from "../../log";
import { BackupError } from "../../migrations/backup/catalog";
import { schemaGate } from "../../migrations/gate";
import { finishMigrationJob, startMigrationJob } from "../../migrations/job";
import { MigrationFailedAfterBackup, migrateSafely, type BackupSkipped } from "../../migrations/safe-migrate";

// "Apply" on the health page: the admin's password again, then a backup, then the pending migrations
// under the migration lock (lib/migrations/safe-migrate.ts); on success the schema gate is asked
// again at once, so the panel leaves schema-degraded mode without a restart.

const ZApplyMigrationsInput = z.object({ password: z.string().min(1, "Enter your password to apply the migrations").max(1024) }).strict();

export interface BackupRef {
  path: string;
  restoreCommand: string;
  size: number;
}

export type ApplyMigrationsResult =
  | { outcome: "applied"; applied: { name: string; ms: number }[]; backup: BackupRef | null; backupSkipped: BackupSkipped | null; summary: string }
  | { outcome: "failed"; migration: string; statement: string | null; error: string; backup: BackupRef | null; summary: string };

const ref = (b: { path: string; restoreCommand: string; size: number } | null): BackupRef | null =>
  b ? { path: b.path, restoreCommand: b.restoreCommand, size: b.size } : null;

export async function applyMigrationsAction(input: unknown): Promise<ActionResult<ApplyMigrationsResult>> {
  return runAction(
    "applyMigrations",
    async (ctx) => {
      const parsed = ZApplyMigrationsInput.safeParse(input);
      if (!parsed.success) {
        const message = parsed.error.issues[0]?.message ?? "Invalid request";
        throw new ValidationError(message, { password: message });
      }
      await confirmOwnPassword(db(), ctx.admin, parsed.data.password, ctx.headers, "apply-migrations");
      const job = startMigrationJob(ctx.actor);
      if (!job) throw new MigrationSafetyError("Migrations are being applied already from this panel; wait for that to finish.");
      const url = env().DATABASE_URL;
      try {
        const result = await migrateSafely(url, {
          events: {
            onBackupStart: () => void (job.phase = "backing_up"),
            onBackup: (backup) => void (job.backup = { path: backup.path, restoreCommand: backup.restoreCommand }),
            onStart: (name) => Object.assign(job, { phase: "applying", current: name }),
            onApplied: (name, ms) => void job.applied.push({ name, ms }),
          },
        });
        finishMigrationJob(job, { error: null });
        const gate = await schemaGate(url, { fresh: true });
        log.info(
          {
            event: "migrations_applied",
            source: "lib/actions/migrations/apply-migrations",
            actor: ctx.actor,
            requestId: ctx.requestId,
            applied: result.applied.map((a) => a.name),
            backup: result.backup?.path ?? null,
            status: gate.report.status,
          },
          `${ctx.actor} applied ${result.applied.length} migration(s) from the health page`,
        );
        return {
          outcome: "applied" as const,
          applied: result.applied,
          backup: ref(result.backup),
          backupSkipped: result.backupSkipped,
          summary: gate.report.summary,
        };
      } catch (error) {
        finishMigrationJob(job, { error: (error as Error).message });
        if (error instanceof MigrationFailedAfterBackup) {
          const gate = await schemaGate(url, { fresh: true });
          log.error(
            {
              event: "migrations_failed",
              source: "lib/actions/migrations/apply-migrations",
              actor: ctx.actor,
              requestId: ctx.requestId,
              migration: error.failure.migration,
              backup: error.backup?.path ?? null,
            },
            `applying migrations from the health page failed: ${error.failure.message}`,
          );
          return {
            outcome: "failed" as const,
            migration: error.failure.migration,
            statement: error.failure.statement,
            error: error.failure.databaseError || error.failure.message,
            backup: ref(error.backup),
            summary: gate.report.summary,
          };
        }
        if (error instanceof BackupError) throw new MigrationSafetyError(`${error.message}; no migration was applied.`);
        throw error;
      }
    },
    { allowDegraded: true },
  );
}
