import "server-only";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { isAlive, portHolder } from "../proc";
import { waitForGeneration, type Served, type WaitOptions, type WaitResult } from "./control";
import { emergReason, linesSince, logOffsets, reloadFailure } from "./logs";
import { readFrom } from "../log-tail";
import {
  acceptingWorkers,
  findMaster,
  isEdgeMaster,
  killGroup,
  orphanedEdgeProcesses,
  removePidFile,
  signal,
  titleOf,
  waitGone,
  writePidFile,
} from "./process";
import { edgePaths, formatListen, type EdgeRuntimeSettings, type ListenAddress } from "./settings";

// Starting, reloading and stopping the edge's nginx master, as the CrowdSec agent is run: spawned
// detached (`daemon off`: the spawned pid is the master, leading its own process group), stdout and
// stderr to logs/nginx.out, the pid written at once. Ready = the control listener answers the
// generation just written. Callers hold the edge lock and have run `nginx -t` on the files.

const KILL_WAIT_MS = 5_000;

/** A start, reload or stop that failed: one sentence, and the log lines that say more. */
export class EdgeRuntimeError extends DomainError {
  readonly logTail: string[];
  constructor(message: string, logTail: string[] = []) {
    super("RUNTIME_FAILED", message);
    this.logTail = logTail;
  }
}

/** A reload that failed: nginx refused the configuration or exited (the previous one was live until then), or it was not confirmed in time. */
export class EdgeReloadError extends EdgeRuntimeError {
  constructor(
    readonly kind: "refused" | "exited" | "timeout",
    message: string,
    logTail: string[] = [],
  ) {
    super(message, logTail);
  }
}

function portFree(a: ListenAddress): Promise<boolean> {
  const host = a.host.replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port: a.port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Kills nginx processes of this instance that no master leads (workers of a master killed with
 * SIGKILL keep the ports open, so a new master could not bind). Returns the pids it killed.
 */
export async function clearStaleProcesses(s: EdgeRuntimeSettings): Promise<number[]> {
  const orphans = orphanedEdgeProcesses(s);
  if (orphans.length === 0) return [];
  log.warn({ event: "edge.orphans.killed", pids: orphans }, "killing nginx workers of this edge instance left without their master");
  for (const pid of orphans) signal(pid, "SIGKILL");
  if (!(await waitGone(orphans, KILL_WAIT_MS))) {
    throw new EdgeRuntimeError(`nginx processes of the edge (pid ${orphans.filter(isAlive).join(", ")}) survived SIGKILL.`);
  }
  return orphans;
}

export interface StartedMaster {
  pid: number;
  /** Spawn → the control listener answered the generation written. */
  readyMs: number;
  child: ChildProcess;
}

export interface StartOptions {
  signal?: AbortSignal;
  /** Called when the master exits after a successful start (an exit during the start throws). */
  onExit?: (exit: { pid: number; code: number | null; signal: NodeJS.Signals | null }) => void;
}

/** Spawns the master and waits until it serves `want`; on failure nothing is left running. */
export async function startMaster(s: EdgeRuntimeSettings, want: Served, options: StartOptions = {}): Promise<StartedMaster> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const p = edgePaths(s);
  const running = findMaster(s, { scan: true });
  if (running) throw new DomainError("ENGINE", `The edge's nginx is already running (pid ${running.pid}).`, false);
  await clearStaleProcesses(s);
  for (const [address, what] of [
    [s.listen, "the edge's listener"],
    [s.control, "the edge's control listener"],
  ] as const) {
    if (!(await portFree(address))) {
      const holder = portHolder(address.port);
      const by = holder ? ` by ${holder.name} (pid ${holder.pid})` : "";
      throw new EdgeRuntimeError(`The edge cannot start: ${formatListen(address)} (${what}) is already in use${by}.`);
    }
  }
  if (options.signal?.aborted) throw new EdgeRuntimeError("The start was cancelled before nginx was spawned.");

  const offsets = logOffsets(s);
  const out = openSync(p.out, "a", 0o600);
  let child: ChildProcess;
  try {
    writeSync(out, `--- warden: starting nginx at ${new Date().toISOString()} (panel pid ${process.pid}) ---\n`);
    child = spawn(s.bin, ["-p", `${p.dir}/`, "-c", p.config, "-g", "daemon off;"], { detached: true, stdio: ["ignore", out, out], cwd: p.dir });
  } finally {
    closeSync(out);
  }
  child.unref();
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | null = null;
  let started = false;
  child.once("exit", (code, sig) => {
    exit = { code, signal: sig };
    if (started && pid !== undefined) options.onExit?.({ pid, code, signal: sig });
  });
  child.once("error", (e) => {
    spawnError = e;
  });
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((r) => setTimeout(r, 0));
    throw new EdgeRuntimeError(`nginx could not be run: ${(spawnError as Error | null)?.message ?? `spawn ${s.bin} failed`}`);
  }
  writePidFile(s, pid);

  const exitSentence = () => {
    const e = exit!;
    const how = e.code !== null ? `code ${e.code}` : `signal ${e.signal}`;
    const reason = emergReason(`${readFrom(p.errorLog, offsets.error)}\n${readFrom(p.out, offsets.out)}`);
    return `nginx exited during start (${how})${reason ? `: ${reason}` : ""}`;
  };
  const waitFor = typeof want === "function" ? want : (o: WaitOptions) => waitForGeneration(s, want, o);
  const waited = await waitFor({
    timeoutMs: s.readyTimeoutMs,
    abortReason: () => (exit !== null ? exitSentence() : options.signal?.aborted ? "the start was cancelled" : null),
  });
  if (!waited.ok || exit !== null) {
    if (exit === null) killGroup(pid, "SIGKILL");
    await waitGone([pid], KILL_WAIT_MS);
    await clearStaleProcesses(s);
    removePidFile(s, pid);
    const reason = exit !== null ? exitSentence() : waited.ok ? "nginx exited" : waited.reason;
    log.warn({ event: "edge.start_failed", pid, ms: since(), error: reason }, "the edge failed to start");
    throw new EdgeRuntimeError(`The edge did not start: ${reason}.`, linesSince(s, offsets));
  }
  started = true;
  log.info({ event: "edge.started", pid, readyMs: since(), generation: want.generation }, "the edge started");
  return { pid, readyMs: since(), child };
}

/**
 * HUP, then waits until new connections get generation `want`. A reload nginx refuses ([emerg] after
 * "reconfiguring") keeps the old configuration live: that fails at once with nginx's reason.
 */
/**
 * HUP, then wait until new connections get the new configuration: by default until the control
 * listener answers the generation `want`; the blocklist passes its own wait (its generation).
 */
export async function reloadMaster(
  s: EdgeRuntimeSettings,
  pid: number,
  want: Served | ((options: WaitOptions) => Promise<WaitResult>),
): Promise<{ ms: number }> {
  if (!isEdgeMaster(pid, s)) throw new EdgeRuntimeError(`pid ${pid} is no longer the edge's nginx; it was not signalled.`);
  const offsets = logOffsets(s);
  const errorLog = edgePaths(s).errorLog;
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const oldWorkers = acceptingWorkers(pid);
  let kind: EdgeReloadError["kind"] = "timeout";
  signal(pid, "SIGHUP");
  const waitFor = typeof want === "function" ? want : (o: WaitOptions) => waitForGeneration(s, want, o);
  const waited = await waitFor({
    timeoutMs: s.reloadTimeoutMs,
    abortReason: () => {
      if (!isAlive(pid)) {
        kind = "exited";
        return "nginx exited during the reload";
      }
      const emerg = reloadFailure(readFrom(errorLog, offsets.error));
      if (emerg === null) return null;
      kind = "refused";
      return `nginx refused the new configuration and keeps serving the previous one: ${emerg}`;
    },
  });
  // The new workers answer before the old ones have stopped accepting: until each old worker is
  // gone or "shutting down", a new connection may still get the previous configuration.
  let left = oldWorkers;
  while (waited.ok && left.length > 0 && since() < s.reloadTimeoutMs) {
    left = left.filter((w) => isAlive(w) && titleOf(w) === "nginx: worker process");
    if (left.length > 0) await new Promise((r) => setTimeout(r, 5));
  }
  if (!waited.ok || left.length > 0) {
    const reason = waited.ok ? `the previous workers (pid ${left.join(", ")}) still accepted connections after ${s.reloadTimeoutMs} ms` : waited.reason;
    log.warn({ event: "edge.reload_failed", pid, ms: since(), error: reason }, "the edge's reload was not confirmed");
    throw new EdgeReloadError(waited.ok ? "timeout" : kind, `The edge's reload failed: ${reason}.`, linesSince(s, offsets));
  }
  return { ms: since() };
}

export type StopHow = "sigquit" | "sigterm" | "sigkill" | "already_gone";

/** QUIT (graceful), then TERM, then SIGKILL of the group; never signals a pid that is not this master. */
export async function stopMaster(s: EdgeRuntimeSettings, pid: number): Promise<{ how: StopHow; ms: number }> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  if (!isAlive(pid)) {
    removePidFile(s, pid);
    await clearStaleProcesses(s);
    return { how: "already_gone", ms: since() };
  }
  if (!isEdgeMaster(pid, s)) throw new EdgeRuntimeError(`pid ${pid} is not this edge's nginx master, so it was not signalled.`);
  let how: StopHow = "sigquit";
  signal(pid, "SIGQUIT");
  if (!(await waitGone([pid], s.stopGraceMs))) {
    how = "sigterm";
    if (isEdgeMaster(pid, s)) signal(pid, "SIGTERM");
    if (!(await waitGone([pid], s.stopGraceMs))) {
      how = "sigkill";
      log.warn({ event: "edge.stop_escalated", pid }, "the edge's nginx ignored QUIT and TERM: SIGKILL to its group");
      killGroup(pid, "SIGKILL");
      if (!(await waitGone([pid], KILL_WAIT_MS))) throw new EdgeRuntimeError(`The edge's nginx (pid ${pid}) is still alive after SIGKILL.`);
    }
  }
  await clearStaleProcesses(s);
  removePidFile(s, pid);
  log.info({ event: "edge.stopped", pid, how, ms: since() }, "the edge stopped");
  return { how, ms: since() };
}
