import "server-only";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { DomainError } from "../errors";
import { log } from "../log";
import { isAlive, readStat } from "./proc";

// One lock file per runtime instance (the CrowdSec instance's, the edge's: <instance>/warden.lock)
// serialises everything that writes the instance's files or starts, reloads or stops its process: the
// panel, the CLI and a second panel process. It is taken with O_CREAT|O_EXCL; its content names the holder.
//
// Not re-entrant: a holder that takes it again for the same instance waits for itself until the
// timeout. Callers take it once, at the top (the driver's apply, the CLI command), and call the
// *Locked variants (e.g. ensureInstance(s, { lockHeld: true })) inside it.
//
// Stale locks: a holder whose pid is dead (or whose pid now belongs to a process started after the
// lock was taken, i.e. a reused pid) left the file behind by crashing. It is removed by one breaker at
// a time (`warden.lock.break`, judged again under it), logged at WARN, and the lock is retaken.

export interface LockContent {
  pid: number;
  holder: string;
  at: string;
  /** /proc/<pid>/stat starttime of the holder: tells a reused pid from the holder itself. */
  start: number | null;
  nonce: string;
}

export interface LockOptions {
  timeoutMs?: number;
  /** Who takes the lock, e.g. "panel apply v12" or "cli reconcile"; shown to whoever waits. */
  holder: string;
  /** Stop waiting when aborted (the wait throws; a held lock is unaffected). */
  signal?: AbortSignal;
}

const POLL_MS = 50;
/** A lock file still empty after this long was left by a holder that died between create and write. */
const EMPTY_GRACE_MS = 2_000;

function readLock(file: string): { content: LockContent | null; raw: string } | null {
  try {
    const raw = readFileSync(file, "utf8");
    try {
      const parsed = JSON.parse(raw) as LockContent;
      return { content: typeof parsed?.pid === "number" ? parsed : null, raw };
    } catch {
      return { content: null, raw };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Why a held lock is stale, or null when its holder is alive. */
export function staleReason(content: LockContent | null, file: string): string | null {
  if (content === null) {
    try {
      const age = Date.now() - statSync(file).mtimeMs;
      return age > EMPTY_GRACE_MS ? `unreadable lock file left ${Math.round(age / 1000)} s ago` : null;
    } catch {
      return null;
    }
  }
  if (!isAlive(content.pid)) return `holder pid ${content.pid} (${content.holder}) is dead`;
  const stat = readStat(content.pid);
  if (content.start !== null && stat && stat.starttime !== content.start) {
    return `pid ${content.pid} (${content.holder}) was reused by another process`;
  }
  return null;
}

function tryCreate(file: string, content: LockContent): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** A break file older than this was left by a breaker that died mid-break. */
const BREAK_STALE_MS = 10_000;

/**
 * Removes a stale lock. Breakers take `<lock>.break` (O_EXCL) first and judge the lock again under it:
 * two processes can never both break (one could otherwise move away a live lock the other's break let
 * a third process take). Returns true when it removed a stale lock.
 */
function breakStale(file: string): boolean {
  const breakFile = `${file}.break`;
  try {
    closeSync(openSync(breakFile, "wx", 0o644));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - statSync(breakFile).mtimeMs > BREAK_STALE_MS) {
        unlinkSync(breakFile);
        log.warn({ event: "lock.break_stale", lockFile: file }, "removed a lock-break marker left by a process that died while breaking a stale lock");
      }
    } catch {
      /* gone meanwhile */
    }
    return false;
  }
  try {
    // Only breakers move the lock file, and we are the only breaker: what we judge now stays.
    const held = readLock(file);
    if (!held) return false;
    const reason = staleReason(held.content, file);
    if (!reason) return false;
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    log.warn({ event: "lock.stale", lockFile: file, reason }, "removed a stale lock");
    return true;
  } finally {
    try {
      unlinkSync(breakFile);
    } catch {
      /* already gone */
    }
  }
}

/** What a lock guards, for the messages of whoever waits: e.g. "the CrowdSec instance", "the edge". */
export interface LockedThing {
  file: string;
  /** Created if missing (the lock file lives in it). */
  dir: string;
  name: string;
}

/** Runs fn while holding the lock file; see the module comment for semantics. */
export async function withFileLock<T>(thing: LockedThing, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  const lockFile = thing.file;
  const timeoutMs = options.timeoutMs ?? 60_000;
  mkdirSync(thing.dir, { recursive: true });
  const content: LockContent = {
    pid: process.pid,
    holder: options.holder,
    at: new Date().toISOString(),
    start: readStat(process.pid)?.starttime ?? null,
    nonce: randomBytes(8).toString("hex"),
  };
  const started = Date.now();
  let last: LockContent | null = null;
  for (;;) {
    content.at = new Date().toISOString();
    if (tryCreate(lockFile, content)) break;
    const held = readLock(lockFile);
    if (held) {
      last = held.content ?? last;
      if (staleReason(held.content, lockFile) && breakStale(lockFile)) continue;
    }
    if (options.signal?.aborted) {
      throw new DomainError("ENGINE", `Stopped waiting for the lock of ${thing.name}: the operation was cancelled.`);
    }
    if (Date.now() - started >= timeoutMs) {
      const who = last ? `${last.holder} (pid ${last.pid}, since ${last.at})` : "another process";
      const subject = thing.name.charAt(0).toUpperCase() + thing.name.slice(1);
      throw new DomainError("ENGINE", `${subject} is busy: ${who} holds its lock; gave up after ${Math.round(timeoutMs / 100) / 10} s.`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    // Remove only our own lock (a stale-breaker never removes a live one, but be strict anyway).
    const held = readLock(lockFile);
    if (held?.content?.nonce === content.nonce) {
      try {
        unlinkSync(lockFile);
      } catch {
        /* already gone */
      }
    }
  }
}

/** Who holds the lock now (null when free); for status and the CLI. */
export function fileLockHolder(file: string): LockContent | null {
  return readLock(file)?.content ?? null;
}
