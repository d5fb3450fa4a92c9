import "server-only";
import { randomUUID } from "node:crypto";
import { providerOf } from "../db-url";
import type { RawConnection } from "./connection";
import { migrationsDir, readMigrationFolder } from "./folder";
import { ensureHistoryTable, readHistory } from "./history";
import { advisoryLockSql } from "../advisory-locks";

export type ResolveAs = "applied" | "rolled-back";

/**
 * As Prisma's `migrate resolve`: after an admin repaired a failed migration by hand, record it
 * `--applied` (a finished row, the file's checksum) or `--rolled-back` (the failed row marked rolled
 * back, so `migrate` runs it again). Only a failed migration can be resolved, as in Prisma.
 */
export async function resolveMigration(conn: RawConnection, url: string, name: string, as: ResolveAs, dir?: string): Promise<string> {
  const files = readMigrationFolder(dir ?? migrationsDir(providerOf(url)));
  const file = files.find((f) => f.name === name);
  if (!file) throw new Error(`migration ${name} is not in the migrations folder (${files.length} known)`);
  await ensureHistoryTable(conn);
  if (conn.provider === "postgresql") await conn.query(advisoryLockSql.lock("migrate"));
  try {
    const rows = (await readHistory(conn)).filter((r) => r.migrationName === name);
    const failed = rows.filter((r) => !r.finishedAt && !r.rolledBackAt);
    if (failed.length === 0) {
      throw new Error(`migration ${name} is not in a failed state; only failed migrations can be resolved`);
    }
    // better-sqlite3 takes anonymous "?" placeholders (in order); pg takes $n.
    const p = conn.provider === "sqlite" ? () => "?" : (i: number) => `$${i}`;
    const now = conn.provider === "sqlite" ? new Date().toISOString() : new Date();
    // Prisma marks the failed rows rolled back in both cases, and adds a finished row for --applied.
    await conn.query(
      `UPDATE "_prisma_migrations" SET "rolled_back_at" = ${p(1)} WHERE "migration_name" = ${p(2)} AND "finished_at" IS NULL AND "rolled_back_at" IS NULL`,
      [now, name],
    );
    if (as === "applied") {
      await conn.query(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count", "logs") VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, 0, NULL)`,
        [randomUUID(), file.checksum, name, now, now],
      );
    }
    return as === "applied" ? `Migration ${name} recorded as applied.` : `Migration ${name} recorded as rolled back; \`migrate\` will apply it again.`;
  } finally {
    if (conn.provider === "postgresql") await conn.query(advisoryLockSql.unlock("migrate")).catch(() => undefined);
  }
}
