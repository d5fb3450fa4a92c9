import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Provider } from "../../db-url";
import { env } from "../../env";
import { log } from "../../log";
import { ensureDirectory, PRIVATE_DIR_MODE, writePrivateFile } from "../../private-files";

// Where backups live and what is known about each: `<WARDEN_DATA_DIR>/backups/` (0700), one backup
// file (0600) and beside it its manifest `<file>.json` (0600): time, provider, the migrations applied
// at that moment, size, SHA-256. A manifest per backup (not one shared file) travels with a backup
// copied elsewhere and cannot be lost to two backups written at once (docs/decisions/011).

export const MANIFEST_FORMAT = 1;

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  /** The backup file's name (in the same directory as this manifest). */
  file: string;
  createdAt: string;
  provider: Provider;
  /** The database it came from, as the logs name it (never credentials). */
  database: string;
  /** Why it was taken: on demand, or before applying migrations. */
  reason: "manual" | "before-migrate";
  /** Names of the migrations applied in the backed-up database. */
  migrations: string[];
  size: number;
  sha256: string;
  /** How it was made: "sqlite backup API" or "pg_dump 15.20 -Fc (server 15.20)". */
  tool: string;
}

export interface BackupEntry extends BackupManifest {
  /** Absolute path of the backup file. */
  path: string;
  /** The command that restores it, exactly as it is to be pasted on the server. */
  restoreCommand: string;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

export function backupsDir(dataDir: string = env().WARDEN_DATA_DIR): string {
  return resolve(dataDir, "backups");
}

/** The backups directory, created 0700 (an older, looser one is tightened). A file in its place is refused. */
export function ensureBackupsDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new BackupError(`the backup directory ${dir} is a file, not a directory: move it away (nothing was backed up or changed)`);
  }
  ensureDirectory(dir, { mode: PRIVATE_DIR_MODE, tightenExisting: true });
}

const quote = (path: string) => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`);

export function restoreCommand(path: string): string {
  return `npm run cli -- restore ${quote(path)}`;
}

export const manifestPath = (backupPath: string) => `${backupPath}.json`;

/**
 * A name that sorts by time and is unique: warden-sqlite-20261204T101530123Z-3f9a-before-migrate.db
 * (two backups in the same millisecond, e.g. two replicas, must never share a file).
 */
export function backupFileName(provider: Provider, reason: BackupManifest["reason"], at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `warden-${provider}-${stamp}-${randomBytes(2).toString("hex")}-${reason}.${provider === "sqlite" ? "db" : "dump"}`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function writeManifest(backupPath: string, manifest: BackupManifest): void {
  writePrivateFile(manifestPath(backupPath), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The manifest beside a backup file; a clear error when it is missing or not one of ours. */
export function readManifest(backupPath: string): BackupManifest {
  const path = manifestPath(backupPath);
  if (!existsSync(path))
    throw new BackupError(`${backupPath} has no manifest (${basename(path)}): without its checksum it cannot be verified, so it is not restored`);
  let parsed: Partial<BackupManifest>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<BackupManifest>;
  } catch (error) {
    throw new BackupError(`the manifest ${path} is not valid JSON (${(error as Error).message}): the backup cannot be verified`);
  }
  const ok =
    parsed.format === MANIFEST_FORMAT &&
    typeof parsed.sha256 === "string" &&
    /^[0-9a-f]{64}$/.test(parsed.sha256) &&
    typeof parsed.size === "number" &&
    (parsed.provider === "sqlite" || parsed.provider === "postgresql") &&
    Array.isArray(parsed.migrations) &&
    typeof parsed.createdAt === "string";
  if (!ok) throw new BackupError(`the manifest ${path} is not a Warden backup manifest (format ${MANIFEST_FORMAT}): the backup cannot be verified`);
  return parsed as BackupManifest;
}

function entry(path: string, manifest: BackupManifest): BackupEntry {
  return { ...manifest, path, restoreCommand: restoreCommand(path) };
}

/** Every backup in the directory that has a readable manifest and its file, newest first. */
export function listBackups(dir: string): BackupEntry[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const entries: BackupEntry[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    const backupPath = join(dir, name.slice(0, -".json".length));
    if (!existsSync(backupPath)) continue;
    try {
      entries.push(entry(backupPath, readManifest(backupPath)));
    } catch (error) {
      log.warn(
        { event: "backup_manifest_unreadable", source: "lib/migrations/backup", path: backupPath, reason: (error as Error).message },
        "a backup's manifest is unreadable: it is not listed",
      );
    }
  }
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** A backup named by path, or by file name inside the backups directory. */
export function findBackup(reference: string, dir: string): BackupEntry {
  const candidates = [resolve(reference), join(dir, reference)];
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new BackupError(`no backup ${reference} (looked for ${candidates.join(" and ")})`);
  if (statSync(path).isDirectory()) throw new BackupError(`${path} is a directory, not a backup file`);
  return entry(path, readManifest(path));
}

/** Removes a backup and its manifest (and what SQLite may have left beside a partial one). */
export function removeBackupFiles(backupPath: string): void {
  for (const path of [backupPath, `${backupPath}-journal`, manifestPath(backupPath)]) rmSync(path, { force: true });
}

/** Keeps the newest `keep` backups of the directory, removes the rest; returns the removed paths. */
export function pruneBackups(dir: string, keep: number): string[] {
  const removed = listBackups(dir)
    .slice(keep)
    .map((b) => b.path);
  for (const path of removed) removeBackupFiles(path);
  if (removed.length > 0)
    log.info(
      { event: "backups_pruned", source: "lib/migrations/backup", kept: keep, removed: removed.map((p) => basename(p)) },
      `removed ${removed.length} old backup(s) (retention: the last ${keep})`,
    );
  return removed;
}
