import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { providerOf, sqlitePath } from "../../db-url";
import { log } from "../../log";
import { openRawConnection, type RawConnection } from "../connection";
import { describeDatabaseError } from "../db-errors";
import { migrationsDir, readMigrationFolder } from "../folder";
import { applyMigrations, MigrationError } from "../migrator";
import { buildMigrationReport, type SchemaStatus } from "../report";
import { checkPgTools, pgDumpTo, pgRestoreInto, serverMajor } from "./pg-tools";
import { sqliteBackupTo } from "./sqlite";
import { BackupError, backupsDir, ensureBackupsDir } from "./catalog";

// The dry run: the pending migrations applied to a throwaway copy of the database, never to the
// database itself (SQLite: a backup-API copy; PostgreSQL: a scratch database restored from a fresh
// dump, dropped afterwards). The copy lives in the backups directory (0700) while it exists: it holds
// the same password hashes and sessions as the real one.

export interface DryRunStep {
  name: string;
  status: "applied" | "failed" | "not_run";
  ms: number | null;
  /** For a failed step: the statement that failed and the database's error. */
  statement: string | null;
  error: string | null;
}

export interface DryRunReport {
  provider: "sqlite" | "postgresql";
  /** Every step succeeded and the copy's schema is healthy afterwards. */
  ok: boolean;
  steps: DryRunStep[];
  /** The schema-integrity verdict of the copy after the migrations. */
  verdict: { status: SchemaStatus; summary: string; reasons: string[] };
  /** Making the copy (backup API, or dump + restore). */
  copyMs: number;
  tookMs: number;
}

export interface DryRunOptions {
  /** The migrations folder (default: the provider's). */
  migrationsDir?: string;
  /** Where the temporary copy lives (default <WARDEN_DATA_DIR>/backups). */
  dir?: string;
}

async function runOnCopy(copyUrl: string, conn: RawConnection, folder: string): Promise<{ steps: DryRunStep[] }> {
  const files = readMigrationFolder(folder);
  const steps: DryRunStep[] = [];
  let started = 0;
  try {
    await applyMigrations(conn, files, {
      onStart: (name) => {
        started = performance.now();
        steps.push({ name, status: "failed", ms: null, statement: null, error: null });
      },
      onApplied: (name, ms) =>
        Object.assign(
          steps.find((s) => s.name === name)!,
          { status: "applied", ms },
        ),
    });
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    const step = steps.find((s) => s.name === error.migration);
    const failed = {
      status: "failed" as const,
      ms: started ? Math.round(performance.now() - started) : null,
      statement: error.statement,
      error: error.databaseError || error.message,
    };
    if (step) Object.assign(step, failed);
    else steps.push({ name: error.migration, ...failed }); // refused before running (not transaction-safe, edited history)
    const history = new Set((await buildMigrationReport(copyUrl, { dir: folder })).migrations.filter((m) => m.state === "applied").map((m) => m.name));
    for (const file of files)
      if (!history.has(file.name) && !steps.some((s) => s.name === file.name))
        steps.push({ name: file.name, status: "not_run", ms: null, statement: null, error: null });
  }
  return { steps };
}

/** Applies the pending migrations to a copy and reports per migration; the database itself is only read. */
export async function dryRunMigrations(url: string, options: DryRunOptions = {}): Promise<DryRunReport> {
  const started = performance.now();
  const provider = providerOf(url);
  const folder = options.migrationsDir ?? migrationsDir(provider);
  const dir = options.dir ?? backupsDir();
  ensureBackupsDir(dir);
  const tag = randomBytes(4).toString("hex");
  let copyUrl: string;
  let cleanup: () => Promise<void>;
  const copyStarted = performance.now();
  if (provider === "sqlite") {
    const dbPath = sqlitePath(url, { createDir: false });
    if (!existsSync(dbPath))
      throw new BackupError(
        `there is no database to test against (${dbPath} does not exist): a fresh install has nothing to lose, run \`npm run cli -- migrate\``,
      );
    const copy = join(dir, `.dry-run-${tag}.db`);
    cleanup = async () => {
      for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(copy + suffix, { force: true });
    };
    try {
      await sqliteBackupTo(dbPath, copy);
    } catch (error) {
      await cleanup();
      throw new BackupError(`could not copy the database for the dry run: ${(error as Error).message}; nothing was changed`);
    }
    copyUrl = `file:${copy}`;
  } else {
    const real = await openRawConnection(url, { timeoutMs: 10_000 }).catch((error: unknown) => {
      throw new BackupError(describeDatabaseError(url, error));
    });
    const scratch = `${decodeURIComponent(new URL(url).pathname.slice(1)).slice(0, 40)}_dryrun_${tag}`.replace(/[^A-Za-z0-9_]/g, "_");
    const dump = join(dir, `.dry-run-${tag}.dump`);
    const script = join(dir, `.dry-run-${tag}.sql`);
    let created = false;
    cleanup = async () => {
      rmSync(dump, { force: true });
      rmSync(script, { force: true });
      if (created)
        await real
          .query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`)
          .catch((error: unknown) =>
            log.error(
              { event: "dry_run_cleanup_failed", source: "lib/migrations/backup", scratch, reason: (error as Error).message },
              `could not drop the scratch database ${scratch}: drop it by hand`,
            ),
          );
      await real.close();
    };
    try {
      const [role] = await real.query<{ user: string; ok: boolean }>(
        `SELECT current_user AS "user", (rolcreatedb OR rolsuper) AS ok FROM pg_roles WHERE rolname = current_user`,
      );
      if (!role?.ok) {
        throw new BackupError(
          `the database user ${role?.user ?? "(unknown)"} may not create databases (CREATEDB), and a dry run needs a scratch database: grant it (\`ALTER ROLE "${role?.user}" CREATEDB\`) or skip the dry run; nothing was changed`,
        );
      }
      const tools = await checkPgTools(["pg_dump", "pg_restore", "psql"], await serverMajor(real));
      await pgDumpTo(tools.pg_dump, url, dump);
      await real.query(`CREATE DATABASE "${scratch}"`);
      created = true;
      const target = new URL(url);
      target.pathname = `/${scratch}`;
      copyUrl = target.toString();
      await pgRestoreInto(tools, copyUrl, dump, script);
    } catch (error) {
      await cleanup();
      throw error instanceof BackupError
        ? error
        : new BackupError(`could not copy the database for the dry run: ${(error as Error).message}; nothing was changed`);
    }
  }
  const copyMs = Math.round(performance.now() - copyStarted);
  try {
    const conn = await openRawConnection(copyUrl, { mustExist: true });
    let steps: DryRunStep[];
    try {
      ({ steps } = await runOnCopy(copyUrl, conn, folder));
    } finally {
      await conn.close();
    }
    const verdict = await buildMigrationReport(copyUrl, { dir: folder });
    const report: DryRunReport = {
      provider,
      ok: steps.every((s) => s.status === "applied") && verdict.status === "healthy",
      steps,
      // The copy's problems without the report's remedies ("run …"): they are the real database's to choose.
      verdict: {
        status: verdict.status,
        summary: verdict.status === "healthy" ? verdict.summary : `${verdict.status === "pending" ? "Pending" : "Degraded"}: ${verdict.reasons.join("; ")}.`,
        reasons: verdict.reasons,
      },
      copyMs,
      tookMs: Math.round(performance.now() - started),
    };
    log.info(
      {
        event: "dry_run",
        source: "lib/migrations/backup",
        provider,
        ok: report.ok,
        steps: steps.map((s) => `${s.name}:${s.status}`),
        verdict: verdict.status,
        copyMs,
        ms: report.tookMs,
      },
      `dry run on a copy: ${report.ok ? "every pending migration applies" : "a problem was found"}`,
    );
    return report;
  } finally {
    await cleanup();
  }
}
