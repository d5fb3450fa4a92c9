import "server-only";
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { providerOf, redactUrl, sqlitePath } from "../../db-url";
import { env } from "../../env";
import { log } from "../../log";
import { openRawConnection } from "../connection";
import { describeDatabaseError } from "../db-errors";
import { readHistory } from "../history";
import { checkPgTools, pgDumpTo, serverMajor } from "./pg-tools";
import { sqliteBackupTo } from "./sqlite";
import {
  BackupError,
  backupFileName,
  backupsDir,
  ensureBackupsDir,
  pruneBackups,
  restoreCommand,
  sha256File,
  writeManifest,
  type BackupEntry,
  type BackupManifest,
} from "./catalog";

export interface BackupOptions {
  reason?: BackupManifest["reason"];
  /** Default: <WARDEN_DATA_DIR>/backups. */
  dir?: string;
  /** Backups kept after this one (default WARDEN_BACKUP_RETENTION). */
  retention?: number;
}

const appliedNames = (rows: Awaited<ReturnType<typeof readHistory>>) =>
  [...new Set(rows.filter((r) => r.finishedAt && !r.rolledBackAt).map((r) => r.migrationName))].sort();

/** A write that failed for lack of space says so, whatever layer reported it. */
function describeFailure(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const message = e?.message ?? String(error);
  if (e?.code === "ENOSPC" || e?.code === "SQLITE_FULL" || /no space left|database or disk is full|SQLITE_FULL/i.test(message))
    return `the disk is full (${message})`;
  if (e?.code === "EFBIG" || /file too large|SIGXFSZ/i.test(message)) return `the file size limit was reached (${message})`;
  if (e?.code?.startsWith("SQLITE_IOERR")) return `writing the copy failed: the disk full, a file size limit or a failing disk (${message})`;
  return message;
}

/**
 * Takes a consistent backup of the database at `url` into the backups directory: written under a
 * hidden temporary name, checksummed, then renamed and described by its manifest, so a backup that
 * did not complete (disk full, tool missing) leaves nothing behind and is never listed.
 */
export async function takeBackup(url: string, options: BackupOptions = {}): Promise<BackupEntry> {
  const started = performance.now();
  const provider = providerOf(url);
  const dir = options.dir ?? backupsDir();
  ensureBackupsDir(dir);
  const createdAt = new Date();
  const name = backupFileName(provider, options.reason ?? "manual", createdAt);
  const finalPath = join(dir, name);
  const partial = join(dir, `.${name}.partial`);
  let migrations: string[];
  let tool: string;
  let renamed = false;
  try {
    if (provider === "sqlite") {
      const dbPath = sqlitePath(url, { createDir: false });
      if (!existsSync(dbPath)) throw new BackupError(`there is no database file to back up (${dbPath} does not exist)`);
      await sqliteBackupTo(dbPath, partial);
      // The copy carries the live database's WAL flag: back to a rollback journal, so that opening
      // the backup later (to list, verify or restore it) leaves no -wal/-shm files beside it.
      // Then the migrations applied in the copy itself: exactly what it holds.
      const copy = new Database(partial, { fileMustExist: true });
      try {
        copy.pragma("journal_mode = DELETE");
        const conn = { provider, exec: async () => undefined, query: async <T>(sql: string) => copy.prepare(sql).all() as T[], close: async () => undefined };
        migrations = appliedNames(await readHistory(conn));
        tool = `sqlite backup API (SQLite ${(copy.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v})`;
      } finally {
        copy.close();
      }
    } else {
      let conn;
      try {
        conn = await openRawConnection(url, { timeoutMs: 10_000 });
      } catch (error) {
        throw new BackupError(describeDatabaseError(url, error));
      }
      try {
        const server = await serverMajor(conn);
        // pg_restore and psql too: a backup that this machine cannot restore is no safety net.
        const tools = await checkPgTools(["pg_dump", "pg_restore", "psql"], server);
        migrations = appliedNames(await readHistory(conn));
        await pgDumpTo(tools.pg_dump, url, partial);
        tool = `pg_dump ${tools.pg_dump.version} -Fc (server ${server.version})`;
      } finally {
        await conn.close();
      }
    }
    const size = statSync(partial).size;
    const sha256 = await sha256File(partial);
    if (existsSync(finalPath)) throw new BackupError(`${finalPath} exists already`);
    renameSync(partial, finalPath);
    renamed = true;
    const manifest: BackupManifest = {
      format: 1,
      file: name,
      createdAt: createdAt.toISOString(),
      provider,
      database: redactUrl(url),
      reason: options.reason ?? "manual",
      migrations,
      size,
      sha256,
      tool,
    };
    writeManifest(finalPath, manifest);
    const ms = Math.round(performance.now() - started);
    log.info(
      { event: "backup_taken", source: "lib/migrations/backup", path: finalPath, provider, reason: manifest.reason, size, ms, migrations: migrations.length },
      `backup taken: ${finalPath}`,
    );
    pruneBackups(dir, options.retention ?? env().WARDEN_BACKUP_RETENTION);
    return { ...manifest, path: finalPath, restoreCommand: restoreCommand(finalPath) };
  } catch (error) {
    // Only what this backup wrote (its hidden partial file's name is unique to it).
    for (const path of [partial, `${partial}-journal`, ...(renamed ? [finalPath, `${finalPath}.json`] : [])]) rmSync(path, { force: true });
    const reason = describeFailure(error);
    log.error({ event: "backup_failed", source: "lib/migrations/backup", provider, dir, reason }, `backup failed: ${reason}`);
    throw new BackupError(`backup failed: ${reason}; no backup was kept`);
  }
}
