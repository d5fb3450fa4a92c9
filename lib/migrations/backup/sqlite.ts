import "server-only";
import { closeSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { SQLITE_BUSY_TIMEOUT_MS } from "../../db";
import { PRIVATE_FILE_MODE } from "../../private-files";

// SQLite copies through the online backup API (better-sqlite3 `backup`): consistent while the panel
// runs and writes, and a restore writes the pages *into* the live database through SQLite's own
// locking, never by replacing the file under a process that has it open.

// All remaining pages in one step: a copy in several steps restarts whenever another connection
// writes between two of them, and one step is one consistent read snapshot.
const ALL_PAGES = 0x7fffffff;

/**
 * better-sqlite3 opens the destination without a busy timeout and retries a busy step forever; this
 * bounds that wait (the progress callback runs after every step that did not finish).
 */
function boundedProgress(timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  return () => {
    if (Date.now() > deadline) throw new Error(`${what}: the destination stayed locked for ${Math.round(timeoutMs / 1000)} s`);
    return ALL_PAGES;
  };
}

/** Copies the live database at `dbPath` into a new file `destination`, created 0600 (it must not exist). */
export async function sqliteBackupTo(dbPath: string, destination: string): Promise<void> {
  // Created private before SQLite opens it, so the copy (and its -journal) is never readable by others.
  closeSync(openSync(destination, "wx", PRIVATE_FILE_MODE));
  // Not `readonly`: a read-only connection cannot open a WAL database whose -shm does not exist yet.
  const source = new Database(dbPath, { fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    await source.backup(destination, { progress: boundedProgress(SQLITE_BUSY_TIMEOUT_MS, "backup") });
  } finally {
    source.close();
  }
}

/**
 * Writes the content of `backupPath` into the live database at `dbPath` through the backup API: the
 * destination keeps its file, its mode and its WAL journal; processes that have it open see the new
 * content at their next transaction.
 */
export async function sqliteRestoreInto(backupPath: string, dbPath: string): Promise<void> {
  const source = new Database(backupPath, { fileMustExist: true, readonly: true });
  try {
    await source.backup(dbPath, { progress: boundedProgress(SQLITE_BUSY_TIMEOUT_MS, "restore") });
  } finally {
    source.close();
  }
}

/** Whether a file starts with SQLite's header (a backup of the other provider does not). */
export const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
