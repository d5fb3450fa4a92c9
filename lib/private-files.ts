import "server-only";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { log } from "./log";

// Warden's files are private to the user it runs as. The data directory is 0711: another user (an
// unprivileged runtime process) may pass through it to a directory made for it, but cannot list it.
// The database (and SQLite's -wal/-shm, which SQLite creates with the database file's mode), tokens
// and secrets are 0600, backups 0700. Each is *created* with its mode, never loosened first and fixed
// afterwards; one found looser than that (an older version made it) is tightened with a WARN.

export const DATA_DIR_MODE = 0o711;
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

function tighten(path: string, mode: number, what: string): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if ((current & ~mode) === 0) return;
  chmodSync(path, mode);
  log.warn(
    { event: "permissions_tightened", source: "lib/private-files", path, was: current.toString(8), now: mode.toString(8) },
    `${what} was readable by others: permissions set to ${mode.toString(8)}`,
  );
}

/**
 * A directory Warden needs, created with `mode` (0711 by default). An existing one is tightened only
 * when it is Warden's own (`tightenExisting`: the data directory, backups), never a directory it was
 * merely pointed into (a database at file:/tmp/x.db must not change /tmp).
 */
export function ensureDirectory(dir: string, { mode = DATA_DIR_MODE, tightenExisting = false }: { mode?: number; tightenExisting?: boolean } = {}): void {
  if (!existsSync(dir)) {
    // Parents made on the way are 0711 (a backup directory made first must not leave the data
    // directory 0700: the edge's workers pass through it); mkdir's mode is filtered by the umask, so
    // each is set explicitly.
    const parent = dirname(dir);
    if (parent !== dir && !existsSync(parent)) ensureDirectory(parent, { mode: DATA_DIR_MODE });
    mkdirSync(dir, { mode });
    chmodSync(dir, mode);
    return;
  }
  if (tightenExisting) tighten(dir, mode, `directory ${dir}`);
}

/**
 * The data directory: exactly 0711. Looser is tightened (WARN); stricter (0700, e.g. left by an older
 * version's backup made before the first start) is opened to 0711 with a WARN, since the edge's
 * unprivileged workers must pass through it to their own directories (it still cannot be listed).
 */
export function ensureDataDirectory(dir: string): void {
  ensureDirectory(dir, { tightenExisting: true });
  const current = statSync(dir).mode & 0o777;
  if (current === DATA_DIR_MODE) return;
  chmodSync(dir, DATA_DIR_MODE);
  log.warn(
    { event: "permissions_set", source: "lib/private-files", path: dir, was: current.toString(8), now: DATA_DIR_MODE.toString(8) },
    `data directory ${dir} was ${current.toString(8)}: set to 711 (others may pass through to their own directories, never list it)`,
  );
}

/** An existing file that must be private (e.g. a database an older version created 0644). */
export function ensurePrivateFile(path: string): void {
  tighten(path, PRIVATE_FILE_MODE, `file ${path}`);
}

/** Creates an empty private file unless one exists (SQLite then opens it and keeps its mode). */
export function createPrivateFile(path: string): void {
  ensureDirectory(dirname(path));
  if (existsSync(path)) return;
  try {
    closeSync(openSync(path, "wx", PRIVATE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/**
 * Writes a private file atomically: a temporary file created 0600 in the same directory, then renamed
 * over the target, so no reader ever sees it partly written or with looser permissions.
 */
export function writePrivateFile(path: string, content: string): void {
  ensureDirectory(dirname(path));
  const temp = join(dirname(path), `.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(temp, content, { mode: PRIVATE_FILE_MODE, flag: "wx" });
  renameSync(temp, path);
}
