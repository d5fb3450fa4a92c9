import "server-only";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { isAlive, readStat } from "../crowdsec/proc";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";

// One lock file per edge instance (<instance>/warden.lock, O_CREAT|O_EXCL, naming its holder)
// serialises everything that writes the instance's files or starts, reloads or stops its nginx:
// two panels, the CLI and the panel never interleave a write, a `nginx -t` and a HUP. Not re-entrant.
// A lock whose holder died (or whose pid was reused) is removed by one breaker at a time
// (`warden.lock.break`, judged again under it), logged at WARN.

interface LockContent {
  pid: number;
  holder: string;
  at: string;
  start: number | null;
  nonce: string;
}

const POLL_MS = 25;
const EMPTY_GRACE_MS = 2_000;
const BREAK_STALE_MS = 10_000;

function read(file: string): LockContent | null | "unreadable" {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as LockContent;
    return typeof parsed?.pid === "number" ? parsed : "unreadable";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? null : "unreadable";
  }
}

function staleReason(content: LockContent | "unreadable", file: string): string | null {
  if (content === "unreadable") {
    try {
      const age = Date.now() - statSync(file).mtimeMs;
      return age > EMPTY_GRACE_MS ? `unreadable lock file left ${Math.round(age / 1000)} s ago` : null;
    } catch {
      return null;
    }
  }
  if (!isAlive(content.pid)) return `holder pid ${content.pid} (${content.holder}) is dead`;
  const stat = readStat(content.pid);
  if (content.start !== null && stat && stat.starttime !== content.start) return `pid ${content.pid} (${content.holder}) was reused by another process`;
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

function breakStale(file: string): void {
  const breakFile = `${file}.break`;
  try {
    closeSync(openSync(breakFile, "wx", 0o644));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - statSync(breakFile).mtimeMs > BREAK_STALE_MS) unlinkSync(breakFile);
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    const held = read(file);
    const reason = held === null ? null : staleReason(held, file);
    if (reason === null) return;
    unlinkSync(file);
    log.warn({ event: "edge.lock.stale", lockFile: file, reason }, "removed a stale edge instance lock");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  } finally {
    try {
      unlinkSync(breakFile);
    } catch {
      /* already gone */
    }
  }
}

/** Runs fn while holding the edge instance's lock. */
export async function withEdgeLock<T>(
  s: EdgeRuntimeSettings,
  fn: () => Promise<T>,
  options: { holder: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<T> {
  const file = edgePaths(s).lockFile;
  const timeoutMs = options.timeoutMs ?? 60_000;
  mkdirSync(s.instanceDir, { recursive: true });
  const content: LockContent = {
    pid: process.pid,
    holder: options.holder,
    at: "",
    start: readStat(process.pid)?.starttime ?? null,
    nonce: randomBytes(8).toString("hex"),
  };
  const started = Date.now();
  let last: LockContent | null = null;
  for (;;) {
    content.at = new Date().toISOString();
    if (tryCreate(file, content)) break;
    const held = read(file);
    if (held !== null && held !== "unreadable") last = held;
    if (held !== null && staleReason(held, file) !== null) {
      breakStale(file);
      continue;
    }
    if (options.signal?.aborted) throw new DomainError("ENGINE", "Stopped waiting for the edge instance lock: the operation was cancelled.");
    if (Date.now() - started >= timeoutMs) {
      const who = last ? `${last.holder} (pid ${last.pid}, since ${last.at})` : "another process";
      throw new DomainError("ENGINE", `The edge is busy: ${who} holds its lock; gave up after ${Math.round(timeoutMs / 100) / 10} s.`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    const held = read(file);
    if (held !== null && held !== "unreadable" && held.nonce === content.nonce) {
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
    }
  }
}
