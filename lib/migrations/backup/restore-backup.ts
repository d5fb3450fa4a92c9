import "server-only";
import { closeSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { providerOf, redactUrl, sqlitePath, type Provider } from "../../db-url";
import { log } from "../../log";
import { openRawConnection } from "../connection";
import { describeDatabaseError } from "../db-errors";
import { readLiveColumns } from "../live-schema";
import { buildMigrationReport, type MigrationReport } from "../report";
import { claimDatabase } from "./in-use";
import { checkPgTools, PG_MAGIC, pgRestoreInto, serverMajor } from "./pg-tools";
import { SQLITE_MAGIC, sqliteRestoreInto } from "./sqlite";
import { BackupError, backupsDir, ensureBackupsDir, findBackup, listBackups, sha256File, type BackupEntry } from "./catalog";

export interface RestoreOptions {
  /** Restore although a running panel uses the database. */
  force?: boolean;
  /** Default: <WARDEN_DATA_DIR>/backups. */
  dir?: string;
}

export interface RestoreResult {
  backup: BackupEntry;
  /** Sessions ended after the restore (those in the backup may be stale). */
  sessionsEnded: number;
  /** A panel was running and --force was given. */
  forced: boolean;
  report: MigrationReport;
}

const PROVIDER_NAME: Record<Provider, string> = { sqlite: "SQLite", postgresql: "PostgreSQL" };

/** The backup a reference names: a path or file name, or the newest of this provider (`latest`). */
export function resolveBackup(reference: string | { latest: true }, provider: Provider, dir: string): BackupEntry {
  if (typeof reference === "string") return findBackup(reference, dir);
  const newest = listBackups(dir).find((b) => b.provider === provider);
  if (!newest)
    throw new BackupError(`there is no backup of a ${PROVIDER_NAME[provider]} database in ${dir} to restore (take one with \`npm run cli -- backup\`)`);
  return newest;
}

function startsWith(path: string, magic: Buffer): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(magic.length);
    return readSync(fd, head, 0, magic.length, 0) === magic.length && head.equals(magic);
  } finally {
    closeSync(fd);
  }
}

/** Everything checked before anything is touched: provider, format, size and checksum. */
export async function verifyBackup(backup: BackupEntry, provider: Provider): Promise<void> {
  if (backup.provider !== provider) {
    throw new BackupError(
      `${backup.path} is a backup of a ${PROVIDER_NAME[backup.provider]} database; DATABASE_URL is ${PROVIDER_NAME[provider]}: refused, nothing was changed`,
    );
  }
  const size = statSync(backup.path).size;
  if (size !== backup.size)
    throw new BackupError(`${backup.path} is ${size} bytes, its manifest says ${backup.size} (truncated or replaced?): refused, nothing was changed`);
  const sha256 = await sha256File(backup.path);
  if (sha256 !== backup.sha256)
    throw new BackupError(
      `${backup.path} does not match its checksum (SHA-256 ${sha256.slice(0, 12)}…, manifest ${backup.sha256.slice(0, 12)}…): refused, nothing was changed`,
    );
  if (!startsWith(backup.path, provider === "sqlite" ? SQLITE_MAGIC : PG_MAGIC)) {
    throw new BackupError(
      `${backup.path} is not ${provider === "sqlite" ? "an SQLite database" : "a pg_dump custom-format archive"}: refused, nothing was changed`,
    );
  }
}

async function endAllSessions(url: string): Promise<number> {
  const conn = await openRawConnection(url, { mustExist: true });
  try {
    // A backup from before authentication existed has no sessions to end.
    if (!(await readLiveColumns(conn)).tables.has("sessions")) return 0;
    const [row] = await conn.query<{ n: number | string }>(`SELECT count(*) AS n FROM "sessions"`);
    const count = Number(row?.n ?? 0);
    if (count > 0) await conn.query(`DELETE FROM "sessions"`);
    return count;
  } finally {
    await conn.close();
  }
}

/**
 * Restores a verified backup into the database at `url`: refuses while a panel uses it (unless
 * `force`), writes the exact content back (SQLite: the backup API into the live file; PostgreSQL:
 * `pg_restore --clean` in one transaction), ends every session, and reports the migration state.
 */
export async function restoreBackup(url: string, reference: string | { latest: true }, options: RestoreOptions = {}): Promise<RestoreResult> {
  const provider = providerOf(url);
  const dir = options.dir ?? backupsDir();
  const backup = resolveBackup(reference, provider, dir);
  await verifyBackup(backup, provider);

  const claim = await claimDatabase(url).catch((error: unknown) => {
    throw new BackupError(`cannot reach the database to restore into: ${describeDatabaseError(url, error)}`);
  });
  let forced = false;
  if ("busy" in claim) {
    if (!options.force) throw new BackupError(`${claim.busy}: stop the panel first (or pass --force to restore under it); nothing was changed`);
    forced = true;
    log.warn({ event: "restore_forced", source: "lib/migrations/backup", reason: claim.busy }, "restoring while a panel uses the database (--force)");
  }
  const started = performance.now();
  try {
    if (provider === "sqlite") {
      await sqliteRestoreInto(backup.path, sqlitePath(url, { createDir: true }));
    } else {
      const conn = await openRawConnection(url, { timeoutMs: 10_000 });
      const server = await serverMajor(conn).finally(() => conn.close());
      const tools = await checkPgTools(["pg_restore", "psql"], server);
      ensureBackupsDir(dir);
      const script = join(dir, `.restore-${randomBytes(6).toString("hex")}.sql`);
      try {
        await pgRestoreInto(tools, url, backup.path, script);
      } finally {
        rmSync(script, { force: true });
      }
    }
  } finally {
    if ("hold" in claim) await claim.hold.release();
  }
  const sessionsEnded = await endAllSessions(url);
  const report = await buildMigrationReport(url);
  log.warn(
    {
      event: "backup_restored",
      source: "lib/migrations/backup",
      path: backup.path,
      database: redactUrl(url),
      ms: Math.round(performance.now() - started),
      sessionsEnded,
      forced,
      status: report.status,
    },
    `restored ${backup.path}; every session was ended (${sessionsEnded})`,
  );
  return { backup, sessionsEnded, forced, report };
}
