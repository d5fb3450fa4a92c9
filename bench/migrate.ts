// npm run bench:migrate — what migration safety costs, on each provider, for a database at the
// previous migration step (every released migration with its seed rows) plus 100,000 audit rows, and a
// pending migration that rewrites the audit table:
//  1. a backup (SQLite online backup API; pg_dump -Fc), target SQLite <= 2 s, PostgreSQL <= 10 s;
//  2. a dry run of the pending migration on a copy (SQLite: backup-API copy; PostgreSQL: scratch
//     database restored from a fresh dump, dropped after), target SQLite <= 5 s, PostgreSQL <= 20 s;
//  3. a restore of the backup (no target).
// Each timed 3 times, the median reported. Last line: one JSON object. Exit 1 only when the bench
// itself failed; a missed target is reported.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Provider } from "../lib/db-url";
import { takeBackup } from "../lib/migrations/backup/take-backup";
import { dryRunMigrations } from "../lib/migrations/backup/dry-run";
import { restoreBackup } from "../lib/migrations/backup/restore-backup";
import { openRawConnection } from "../lib/migrations/connection";
import { migrationsDir } from "../lib/migrations/folder";
import { buildMigrationReport } from "../lib/migrations/report";
import { buildDatabaseAtStep, releasedMigrations } from "../test/upgrade/build-step";

const AUDIT_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PG_ADMIN_URL = process.env.WARDEN_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const work = mkdtempSync(join(tmpdir(), "warden-bench-migrate-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const PENDING = "20991231000000_audit_source";

// What `prisma migrate dev` generates for a new NOT NULL column with a default on SQLite: a rebuild of
// the table (create, copy every row, drop, rename), indexes recreated. PostgreSQL: the column, then
// every row rewritten by an UPDATE.
const REWRITE: Record<Provider, string> = {
  sqlite: `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_security_audits" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "protection" TEXT,
    "before" TEXT,
    "after" TEXT,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "request_id" TEXT NOT NULL,
    "config_version" INTEGER,
    "runtime_result" TEXT,
    "change_id" INTEGER,
    "source" TEXT NOT NULL DEFAULT 'panel'
);
INSERT INTO "new_security_audits" ("id", "at", "actor", "action", "protection", "before", "after", "outcome", "error", "request_id", "config_version", "runtime_result", "change_id", "source")
  SELECT "id", "at", "actor", "action", "protection", "before", "after", "outcome", "error", "request_id", "config_version", "runtime_result", "change_id", CASE WHEN "actor" = 'cli' THEN 'cli' ELSE 'panel' END FROM "security_audits";
DROP TABLE "security_audits";
ALTER TABLE "new_security_audits" RENAME TO "security_audits";
CREATE INDEX "security_audits_at_idx" ON "security_audits"("at");
CREATE INDEX "security_audits_protection_at_idx" ON "security_audits"("protection", "at");
CREATE INDEX "security_audits_change_id_idx" ON "security_audits"("change_id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`,
  postgresql: `-- AlterTable
ALTER TABLE "security_audits" ADD COLUMN "source" TEXT NOT NULL DEFAULT 'panel';
UPDATE "security_audits" SET "source" = CASE WHEN "actor" = 'cli' THEN 'cli' ELSE 'panel' END;
`,
};

const AUDIT_INSERT: Record<Provider, string> = {
  sqlite: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${AUDIT_ROWS})
    INSERT INTO "security_audits" ("at", "actor", "action", "protection", "before", "after", "outcome", "request_id", "config_version")
    SELECT datetime('2026-01-01', '+' || i || ' seconds'), CASE i % 3 WHEN 0 THEN 'cli' ELSE 'ops' END, 'toggle', 'waf',
      '{"enabled":false,"mode":"detect","paranoia":1}', '{"enabled":true,"mode":"block","paranoia":2}', 'committed', 'req-' || i, i FROM n`,
  postgresql: `INSERT INTO "security_audits" ("at", "actor", "action", "protection", "before", "after", "outcome", "request_id", "config_version")
    SELECT timestamp '2026-01-01' + i * interval '1 second', CASE i % 3 WHEN 0 THEN 'cli' ELSE 'ops' END, 'toggle', 'waf',
      '{"enabled":false,"mode":"detect","paranoia":1}', '{"enabled":true,"mode":"block","paranoia":2}', 'committed', 'req-' || i, i FROM generate_series(1, ${AUDIT_ROWS}) i`,
};

async function prepare(provider: Provider, url: string): Promise<string> {
  await buildDatabaseAtStep(url, releasedMigrations(url).length - 1);
  const conn = await openRawConnection(url);
  try {
    await conn.exec(AUDIT_INSERT[provider]);
  } finally {
    await conn.close();
  }
  const dir = join(work, `migrations-${provider}`);
  cpSync(migrationsDir(provider), dir, { recursive: true });
  mkdirSync(join(dir, PENDING));
  writeFileSync(join(dir, PENDING, "migration.sql"), REWRITE[provider]);
  return dir;
}

async function settings(provider: Provider, url: string): Promise<string> {
  const conn = await openRawConnection(url, { mustExist: true });
  try {
    if (provider === "sqlite") {
      const [jm] = await conn.query<{ journal_mode: string }>("PRAGMA journal_mode");
      return `journal_mode=${jm!.journal_mode}, synchronous=FULL on the panel's connections; the backup copy in rollback-journal mode`;
    }
    const rows = await conn.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'server_version')`,
    );
    return rows.map((r) => `${r.name}=${r.setting}`).join(", ");
  } finally {
    await conn.close();
  }
}

async function measure(provider: Provider, url: string): Promise<{ backup: number; dryRun: number; restore: number; size: number }> {
  const folder = await prepare(provider, url);
  const report = await buildMigrationReport(url, { dir: folder });
  if (report.counts.pending !== 1) throw new Error(`${provider}: expected 1 pending migration, found ${report.counts.pending}`);
  console.log(
    `${provider}: ${AUDIT_ROWS} audit rows, pending ${PENDING} (${provider === "sqlite" ? "table rebuild" : "ADD COLUMN + UPDATE of every row"}); ${await settings(provider, url)}`,
  );
  const dir = join(work, `backups-${provider}`);
  const backups: number[] = [];
  const dryRuns: number[] = [];
  const restores: number[] = [];
  let size = 0;
  for (let run = 0; run < RUNS; run++) {
    let t = performance.now();
    const backup = await takeBackup(url, { dir, retention: 2 });
    backups.push(performance.now() - t);
    size = backup.size;

    t = performance.now();
    const dry = await dryRunMigrations(url, { migrationsDir: folder, dir });
    dryRuns.push(performance.now() - t);
    if (!dry.ok) throw new Error(`${provider}: the dry run failed: ${JSON.stringify(dry.steps)} ${dry.verdict.summary}`);

    t = performance.now();
    const restored = await restoreBackup(url, backup.path, { dir });
    restores.push(performance.now() - t);
    if (restored.report.status !== "healthy") throw new Error(`${provider}: after restore: ${restored.report.summary}`);
    console.log(
      `  run ${run + 1}: backup ${Math.round(backups.at(-1)!)} ms (${(size / 1e6).toFixed(1)} MB), dry run ${Math.round(dryRuns.at(-1)!)} ms (copy ${dry.copyMs} ms, migration ${dry.steps[0]!.ms} ms), restore ${Math.round(restores.at(-1)!)} ms`,
    );
  }
  const check = await openRawConnection(url, { mustExist: true });
  try {
    const [row] = await check.query<{ n: number | string }>(`SELECT count(*) AS n FROM "security_audits"`);
    if (Number(row!.n) < AUDIT_ROWS) throw new Error(`${provider}: ${row!.n} audit rows after the runs, expected at least ${AUDIT_ROWS}`);
  } finally {
    await check.close();
  }
  if ((await buildMigrationReport(url, { dir: folder })).counts.pending !== 1) throw new Error(`${provider}: the real database was migrated by the bench`);
  return { backup: Math.round(median(backups)), dryRun: Math.round(median(dryRuns)), restore: Math.round(median(restores)), size };
}

async function main(): Promise<void> {
  console.log(`bench:migrate — backup, dry run and restore, ${RUNS} runs each (median), 2-core machine`);
  const sqlite = await measure("sqlite", `file:${join(work, "warden.db")}`);

  const name = `warden_bench_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  let postgres;
  try {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    postgres = await measure("postgresql", url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }

  const targets = [
    ["SQLite backup <= 2 s", sqlite.backup <= 2_000],
    ["SQLite dry run <= 5 s", sqlite.dryRun <= 5_000],
    ["PostgreSQL backup <= 10 s", postgres.backup <= 10_000],
    ["PostgreSQL dry run <= 20 s", postgres.dryRun <= 20_000],
  ] as const;
  for (const [label, met] of targets) console.log(`  ${met ? "MET   " : "MISSED"} ${label}`);
  console.log(
    JSON.stringify({
      audit_rows: AUDIT_ROWS,
      sqlite_backup_ms: sqlite.backup,
      sqlite_dry_run_ms: sqlite.dryRun,
      sqlite_restore_ms: sqlite.restore,
      sqlite_backup_bytes: sqlite.size,
      pg_backup_ms: postgres.backup,
      pg_dry_run_ms: postgres.dryRun,
      pg_restore_ms: postgres.restore,
      pg_backup_bytes: postgres.size,
      targets_met: targets.every(([, met]) => met),
    }),
  );
}

main()
  .catch((error: unknown) => {
    console.error(`bench:migrate FAILED: ${(error as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
