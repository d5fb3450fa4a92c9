import "server-only";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, statSync, unlinkSync, writeSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { instanceExists, missingPackage, NotInstalledError, writeFileAtomic } from "./instance";
import { cmdline, instanceAgentPids, isAlive, isInstanceAgent, portHolder, processStartedAt, readStat } from "./proc";
import { instancePaths, localLapiUrl, type CrowdsecRuntimeSettings } from "./settings";

// Process management of the instance's agent. The agent runs detached in its own process group with
// its pid in <instanceDir>/crowdsec.pid, so it outlives the panel; whoever finds it later adopts it
// only if the pid is alive and its command line is this instance's crowdsec (proc.ts).
//
// "Loaded" (measured on Debian's 1.4.6, ADR 006): LAPI /health answers
// ~0.15 s after spawn, but SIGTERM is only handled once the agent has called signal.Notify, which it
// does right after logging `Failed to notify(sent: false)` (its sd_notify without a NOTIFY_SOCKET)
// at the end of Serve(), ~1.2–1.4 s after spawn. Before that SIGTERM kills it raw (exit 143). The
// Prometheus port is NOT a reliable signal: it was seen listening while SIGTERM still killed raw.
// So loaded = that log line seen in this start's part of crowdsec.log, plus a 50 ms settle.

const POLL_MS = 25;
const LOADED_MARK = 'msg="Failed to notify(sent:';
const START_MARK = 'msg="Crowdsec v';
const LOADED_SETTLE_MS = 50;
const KILL_WAIT_MS = 5_000;
const TAIL_LINES = 12;

/** A start that failed; the message is one plain sentence, the log tail says the rest. */
export class AgentStartError extends DomainError {
  readonly logTail: string[];
  constructor(message: string, logTail: string[] = []) {
    super("RUNTIME_FAILED", message);
    this.logTail = logTail;
  }
}

export interface StartedAgent {
  pid: number;
  lapiReadyMs: number;
  loadedMs: number;
  version: string | null;
  /** The spawned child (its exit event is the fastest way to learn the agent died). */
  child: ChildProcess;
}

export interface StartOptions {
  signal?: AbortSignal;
  /** Called when the agent exits after a successful start (an exit during start throws instead). */
  onExit?: (exit: { pid: number; code: number | null; signal: NodeJS.Signals | null }) => void;
}

export type StopHow = "sigterm" | "sigkill" | "already_gone";

export type PidFileState = "absent" | "alive" | "stale_dead" | "stale_stranger";

// ---------------------------------------------------------------------------------------------
// Small helpers

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Text of a file from `offset` (from 0 if the file shrank: rotated), at most the last maxBytes. */
function readFrom(file: string, offset: number, maxBytes = 256 * 1024): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = statSync(file).size;
    let start = offset > size ? 0 : offset;
    if (size - start > maxBytes) start = size - maxBytes;
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Non-empty lines, each capped, without consecutive repeats (the agent prints a fatal line twice). */
function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
    .filter((l, i, all) => l.trim() !== "" && l !== all[i - 1]);
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The last n lines of the agent's logs (crowdsec.log and agent.out, older file first). */
export function readLogTail(s: CrowdsecRuntimeSettings, n = TAIL_LINES): string[] {
  const p = instancePaths(s);
  const files = [p.agentLog, p.agentOut].sort((a, b) => mtime(a) - mtime(b));
  const all = files.flatMap((f) => lines(readFrom(f, Math.max(0, fileSize(f) - 64 * 1024))).slice(-n));
  return all.slice(-n);
}

/** The message of the last fatal line (or a plain stderr line) among `text`'s lines; null if none. */
export function failureReason(text: string): string | null {
  const all = lines(text);
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i]!;
    if (/level=(fatal|panic)/.test(line)) {
      const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
      return (m ? m[1]!.replace(/\\"/g, '"') : line).trim();
    }
  }
  // Errors printed before the logger is configured (e.g. a config file that does not parse).
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i]!.trim();
    if (line.startsWith("---")) continue; // our own header lines
    if (/level=(info|warning|debug|trace)/.test(line)) continue;
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    const text = (m ? m[1]!.replace(/\\"/g, '"') : line.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, "")).trim();
    if (/unable to register plugin 'GeoIp|IpToRange|Failed to notify/.test(text)) continue;
    return text;
  }
  return null;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------------------------------------
// Version (spawned at most once per binary and process; status polling only reads the cache)

const versionCache = new Map<string, string | null>();
const versionPending = new Map<string, Promise<string | null>>();

export function agentVersion(s: CrowdsecRuntimeSettings): Promise<string | null> {
  if (versionCache.has(s.bin)) return Promise.resolve(versionCache.get(s.bin) ?? null);
  let pending = versionPending.get(s.bin);
  if (!pending) {
    pending = new Promise<string | null>((resolve) => {
      execFile(s.bin, ["-version"], { timeout: 5_000 }, (error, stdout, stderr) => {
        const m = /version:\s*(v?\S+)/.exec(`${stdout}\n${stderr}`);
        const version = m ? m[1]! : null;
        if (!error || version) versionCache.set(s.bin, version);
        versionPending.delete(s.bin);
        resolve(version);
      });
    });
    versionPending.set(s.bin, pending);
  }
  return pending;
}

/** The version if agentVersion() has already run in this process; never spawns. */
export function knownAgentVersion(s: CrowdsecRuntimeSettings): string | null {
  return versionCache.get(s.bin) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Pid file

export function readPidFile(s: CrowdsecRuntimeSettings): number | null {
  try {
    const pid = Number(readFileSync(instancePaths(s).pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** What the pid file says: absent, a live agent of this instance, or stale (dead pid / another program). */
export function pidFileState(s: CrowdsecRuntimeSettings): PidFileState {
  return pidFileStatus(s).state;
}

/** pidFileState with the pid it names (callers log it when they clean a stale file). */
export function pidFileStatus(s: CrowdsecRuntimeSettings): { state: PidFileState; pid: number | null } {
  const pid = readPidFile(s);
  if (pid === null) {
    // A pid file that exists but holds garbage is as stale as one naming a dead pid.
    return fileSize(instancePaths(s).pidFile) > 0 ? { state: "stale_dead", pid: null } : { state: "absent", pid: null };
  }
  if (!isAlive(pid)) return { state: "stale_dead", pid };
  if (!isInstanceAgent(pid, s)) return { state: "stale_stranger", pid };
  return { state: "alive", pid };
}

/** Removes the pid file if it still names `pid` (or any stale content when pid is null). */
export function removePidFile(s: CrowdsecRuntimeSettings, pid: number | null = null): void {
  const file = instancePaths(s).pidFile;
  if (pid !== null && readPidFile(s) !== pid && fileSize(file) > 0) return;
  try {
    unlinkSync(file);
  } catch {
    /* absent */
  }
}

export function writePidFile(s: CrowdsecRuntimeSettings, pid: number): void {
  writeFileAtomic(instancePaths(s).pidFile, `${pid}\n`);
}

/**
 * This instance's live agent: the pid file's, if it is this instance's crowdsec. With scan, an agent
 * whose pid file was lost is found in /proc too (apply uses it so a lost pid file never means two agents).
 */
export function findRunningAgent(
  s: CrowdsecRuntimeSettings,
  options: { scan?: boolean } = {},
): { pid: number; startedAt: Date | null; source: "pid_file" | "scan" } | null {
  const { state, pid } = pidFileStatus(s);
  if (state === "alive" && pid !== null) return { pid, startedAt: processStartedAt(pid), source: "pid_file" };
  if (options.scan) {
    const found = instanceAgentPids(s);
    if (found.length > 0) return { pid: found[0]!, startedAt: processStartedAt(found[0]!), source: "scan" };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Probing the Local API (node:http, never a spawned cscli)

export interface LapiProbe {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export function healthUrl(base: string): string {
  return `${base.replace(/\/+$/, "")}/health`;
}

// Keep-alive sockets: a probe on a warm socket costs ~0.3 ms instead of ~0.7 ms (p95 0.5 vs 3.8 ms,
// measured against the agent's LAPI), which keeps observe() cheap for a polling status page. Idle
// sockets are unref'd by node, so they never keep a process alive.
const probeAgents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 4, timeout: 30_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 4, timeout: 30_000 }),
};

export function probeLapi(target: CrowdsecRuntimeSettings | string, timeoutMs = 1000): Promise<LapiProbe> {
  const url = healthUrl(typeof target === "string" ? target : localLapiUrl(target));
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, latencyMs: 0, error: `invalid URL ${url}` });
  }
  const once = (): Promise<LapiProbe & { staleSocket?: boolean }> =>
    new Promise((resolve) => {
      let settled = false;
      const done = (r: LapiProbe & { staleSocket?: boolean }) => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      const https_ = parsed.protocol === "https:";
      const client = https_ ? https : http;
      const req = client.get(
        parsed,
        { agent: https_ ? probeAgents.https : probeAgents.http, timeout: timeoutMs, headers: { "user-agent": "warden-probe" } },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          res.on("end", () =>
            done(status === 200 ? { ok: true, latencyMs: elapsed() } : { ok: false, latencyMs: elapsed(), error: `HTTP ${status} from ${url}` }),
          );
          res.on("error", (e) => done({ ok: false, latencyMs: elapsed(), error: e.message }));
        },
      );
      req.on("timeout", () => {
        req.destroy();
        done({ ok: false, latencyMs: elapsed(), error: `no answer from ${url} within ${formatDuration(timeoutMs)}` });
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        // A kept-alive socket the server had closed: not an answer from the server, retry once.
        const staleSocket = req.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE");
        const why =
          e.code === "ECONNREFUSED"
            ? `connection refused by ${parsed.host}`
            : e.code === "ENOTFOUND" || e.code === "EAI_AGAIN"
              ? `host ${parsed.hostname} not found`
              : e.message;
        done({ ok: false, latencyMs: elapsed(), error: why, staleSocket });
      });
    });
  return once()
    .then((r) => (r.staleSocket ? once() : r))
    .then(({ staleSocket: _, ...r }) => r);
}

// ---------------------------------------------------------------------------------------------
// Loaded state from the log

/** True once the latest start recorded in crowdsec.log has installed its signal handlers. */
export function agentLoadedFromLog(s: CrowdsecRuntimeSettings): boolean {
  const file = instancePaths(s).agentLog;
  const text = readFrom(file, 0, 512 * 1024);
  const start = text.lastIndexOf(START_MARK);
  if (start < 0) return false;
  return text.indexOf(LOADED_MARK, start) >= 0;
}

function loadedRecordFile(s: CrowdsecRuntimeSettings): string {
  return `${instancePaths(s).dir}/crowdsec.loaded`;
}

/**
 * Whether `pid` (this instance's agent) has installed its signal handlers. startAgent records it for
 * the pid it started; for an agent whose starter is gone, the log says so, but only once the process
 * is old enough to have written its own start line (else the previous run's lines would answer).
 */
export function agentLoaded(s: CrowdsecRuntimeSettings, pid: number): boolean {
  try {
    const rec = JSON.parse(readFileSync(loadedRecordFile(s), "utf8")) as { pid: number; start: number | null };
    if (rec.pid === pid && rec.start === (readStat(pid)?.starttime ?? null)) return true;
  } catch {
    /* no record */
  }
  const startedAt = processStartedAt(pid);
  if (!startedAt || Date.now() - startedAt.getTime() < 1_500) return false;
  return agentLoadedFromLog(s);
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  const pgrp = readStat(pid)?.pgrp;
  const ownPgrp = readStat(process.pid)?.pgrp;
  try {
    // Only a group the agent leads (we spawn it detached); never the panel's own group.
    if (pgrp === pid && pgrp !== ownPgrp) process.kill(-pgrp, signal);
    else process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

// ---------------------------------------------------------------------------------------------
// Start

/** Spawns the instance's agent and waits until its LAPI answers and it is fully loaded. */
export async function startAgent(s: CrowdsecRuntimeSettings, options: StartOptions = {}): Promise<StartedAgent> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const p = instancePaths(s);
  const missing = missingPackage(s);
  if (missing) throw new NotInstalledError(missing);
  if (!instanceExists(s)) throw new DomainError("ENGINE", `The CrowdSec instance in ${p.dir} is not created yet.`, false);
  const running = findRunningAgent(s, { scan: true });
  if (running) throw new DomainError("ENGINE", `This instance's CrowdSec agent is already running (pid ${running.pid}).`, false);
  if (options.signal?.aborted) throw new AgentStartError("the start was cancelled before CrowdSec was spawned");

  // Preflight: a port taken by anything fails fast, before a spawn.
  for (const [port, what] of [
    [s.lapiPort, "Local API"],
    [s.prometheusPort, "Prometheus"],
  ] as const) {
    if (!(await portFree(port))) {
      const holder = portHolder(port);
      const by = holder ? ` by ${holder.name} (pid ${holder.pid})` : "";
      throw new AgentStartError(`CrowdSec cannot start: port 127.0.0.1:${port} (${what}) is already in use${by}`);
    }
  }

  const offsets = { log: fileSize(p.agentLog), out: fileSize(p.agentOut) };
  const newText = () => `${readFrom(p.agentLog, offsets.log)}\n${readFrom(p.agentOut, offsets.out)}`;
  const tail = () => lines(newText()).slice(-TAIL_LINES);

  const out = openSync(p.agentOut, "a");
  let child: ChildProcess;
  try {
    writeSync(out, `--- warden: starting crowdsec at ${new Date().toISOString()} (panel pid ${process.pid}) ---\n`);
    // The agent inherits the panel's environment (PATH, locale, …), as any child process would.
    // eslint-disable-next-line no-restricted-properties
    const env = { ...process.env };
    delete env.NOTIFY_SOCKET; // without it the agent logs the line that tells us it is loaded
    child = spawn(s.bin, ["-c", p.config, "-no-capi"], { detached: true, stdio: ["ignore", out, out], cwd: p.dir, env });
  } finally {
    closeSync(out);
  }
  child.unref();

  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | null = null;
  let started = false;
  child.once("exit", (code, signal) => {
    exit = { code, signal };
    if (started && pid !== undefined) options.onExit?.({ pid, code, signal });
  });
  child.once("error", (e) => {
    spawnError = e;
  });
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(0);
    throw new AgentStartError(`CrowdSec could not be run: ${(spawnError as Error | null)?.message ?? `spawn ${s.bin} failed`}`);
  }
  writePidFile(s, pid);
  const version = agentVersion(s);

  const fail = async (message: string): Promise<never> => {
    if (exit === null) killGroup(pid, "SIGKILL");
    await waitGone(pid, KILL_WAIT_MS);
    removePidFile(s, pid);
    const logTail = tail();
    log.warn({ event: "crowdsec.agent.start_failed", pid, ms: since(), error: message }, "CrowdSec agent failed to start");
    throw new AgentStartError(message, logTail);
  };
  const exitSentence = () => {
    const e = exit!;
    const how = e.code !== null ? `code ${e.code}` : `signal ${e.signal}`;
    const reason = failureReason(newText());
    return `CrowdSec exited during start (${how})${reason ? `: ${reason}` : ""}`;
  };

  const deadline = s.readyTimeoutMs;
  let lapiReadyMs: number | null = null;
  let loadedMs: number | null = null;
  for (;;) {
    if (exit !== null) return fail(exitSentence());
    if (options.signal?.aborted) return fail("the start was cancelled before CrowdSec was ready");
    if (since() >= deadline) {
      return fail(
        lapiReadyMs === null
          ? `the Local API was not ready within ${formatDuration(deadline)}`
          : `CrowdSec did not finish loading within ${formatDuration(deadline)}`,
      );
    }
    if (lapiReadyMs === null) {
      const probe = await probeLapi(s, Math.max(50, Math.min(500, deadline - since())));
      if (probe.ok && exit === null) lapiReadyMs = since();
    }
    if (lapiReadyMs !== null && loadedMs === null && readFrom(p.agentLog, offsets.log).includes(LOADED_MARK)) {
      await sleep(LOADED_SETTLE_MS);
      if (exit !== null) continue;
      loadedMs = since();
      writeFileAtomic(loadedRecordFile(s), JSON.stringify({ pid, start: readStat(pid)?.starttime ?? null }));
    }
    if (lapiReadyMs !== null && loadedMs !== null) break;
    await sleep(POLL_MS);
  }
  const resolvedVersion = await version;
  // Checked again after the await: from here to the caller's continuation there is no macrotask,
  // so an exit is either reported now or delivered to onExit once the caller is tracking the pid.
  if (exit !== null) return fail(exitSentence());
  started = true;
  const result = { pid, lapiReadyMs, loadedMs, version: resolvedVersion, child };
  log.info({ event: "crowdsec.agent.started", pid, lapiReadyMs, loadedMs, version: result.version }, "CrowdSec agent started");
  return result;
}

// ---------------------------------------------------------------------------------------------
// Stop

/** Records who is stopping which pid, so any process watching that pid knows the exit was expected. */
interface StopRecord {
  pid: number;
  by: string;
  at: string;
}

function stopRecordFile(s: CrowdsecRuntimeSettings): string {
  return `${instancePaths(s).dir}/crowdsec.stopping`;
}

/** True when someone deliberately stopped (or is stopping) `pid` of this instance. */
export function stopWasRequested(s: CrowdsecRuntimeSettings, pid: number): boolean {
  try {
    return (JSON.parse(readFileSync(stopRecordFile(s), "utf8")) as StopRecord).pid === pid;
  } catch {
    return false;
  }
}

/**
 * Stops this instance's agent: SIGTERM, up to stopGraceMs, then SIGKILL of its process group. A pid
 * that is not this instance's crowdsec (a reused pid) is never signalled: that throws. An agent still
 * loading is given until it is loaded (bounded by readyTimeoutMs) so it is not killed raw.
 */
export async function stopAgent(s: CrowdsecRuntimeSettings, pid: number, options: { by?: string } = {}): Promise<{ how: StopHow; ms: number }> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  if (!isAlive(pid)) {
    removePidFile(s, pid);
    return { how: "already_gone", ms: since() };
  }
  if (!isInstanceAgent(pid, s)) {
    const argv = cmdline(pid);
    throw new DomainError(
      "ENGINE",
      `Pid ${pid} is not this instance's CrowdSec agent (it runs ${argv ? `"${argv.join(" ").slice(0, 120)}"` : "something else"}), so it was not signalled.`,
    );
  }
  if (!agentLoaded(s, pid)) {
    const deadline = Date.now() + s.readyTimeoutMs;
    while (isAlive(pid) && !agentLoaded(s, pid) && Date.now() < deadline) await sleep(POLL_MS);
    if (isAlive(pid)) await sleep(LOADED_SETTLE_MS);
    // It may have died while we waited, and its pid been reused: check again before signalling.
    if (!isAlive(pid)) {
      removePidFile(s, pid);
      return { how: "already_gone", ms: since() };
    }
    if (!isInstanceAgent(pid, s)) throw new DomainError("ENGINE", `Pid ${pid} stopped being this instance's CrowdSec agent while it loaded; not signalled.`);
  }
  const record: StopRecord = { pid, by: options.by ?? `panel pid ${process.pid}`, at: new Date().toISOString() };
  writeFileAtomic(stopRecordFile(s), JSON.stringify(record));
  let how: StopHow = "sigterm";
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    removePidFile(s, pid);
    return { how: "already_gone", ms: since() };
  }
  if (!(await waitGone(pid, s.stopGraceMs))) {
    how = "sigkill";
    log.warn({ event: "crowdsec.agent.stop_escalated", pid, graceMs: s.stopGraceMs }, "CrowdSec agent ignored SIGTERM: SIGKILL");
    if (isInstanceAgent(pid, s)) killGroup(pid, "SIGKILL");
    if (!(await waitGone(pid, KILL_WAIT_MS))) {
      throw new DomainError("ENGINE", `The CrowdSec agent (pid ${pid}) is still alive ${formatDuration(since())} after SIGKILL.`);
    }
  }
  removePidFile(s, pid);
  const ms = since();
  log.info({ event: "crowdsec.agent.stopped", pid, how, ms }, "CrowdSec agent stopped");
  return { how, ms };
}

export interface ReloadResult {
  reloaded: boolean;
  ms?: number;
  scenariosLoaded?: number;
  reason?: string;
}

/**
 * SIGHUP the instance's agent, then wait for its log to say the reload finished (and how many
 * scenarios it loaded). A reload that is not confirmed throws: files changed but the agent may not
 * run them. Called by drivers under the instance lock.
 */
export async function reloadAgent(s: CrowdsecRuntimeSettings, pid: number, timeoutMs = 20_000): Promise<ReloadResult> {
  const t0 = Date.now();
  // A SIGHUP before the agent installed its signal handlers kills it raw (as SIGTERM would).
  while (!agentLoaded(s, pid)) {
    if (!isInstanceAgent(pid, s))
      throw new DomainError("ENGINE", `The agent (pid ${pid}) exited before it could be reloaded; the files are changed and apply at its next start.`);
    if (Date.now() - t0 > timeoutMs)
      throw new DomainError("ENGINE", `The agent (pid ${pid}) did not finish loading within ${timeoutMs / 1000} s, so it was not reloaded.`);
    await sleep(50);
  }
  if (!isInstanceAgent(pid, s)) throw new DomainError("ENGINE", `pid ${pid} is no longer this instance's agent; not signalled.`);
  const logFile = instancePaths(s).agentLog;
  const offset = fileSize(logFile);
  process.kill(pid, "SIGHUP");
  while (Date.now() - t0 < timeoutMs) {
    await sleep(50);
    const tail = readFrom(logFile, offset);
    if (tail.includes("Reload is finished")) {
      const loaded = [...tail.matchAll(/Loaded (\d+) scenarios/g)].at(-1);
      return { reloaded: true, ms: Date.now() - t0, scenariosLoaded: loaded ? Number(loaded[1]) : undefined };
    }
    if (!isInstanceAgent(pid, s))
      throw new DomainError("ENGINE", "The agent exited during the reload (see its log on the CrowdSec card); the scenario files are changed.");
  }
  throw new DomainError("ENGINE", `The agent did not confirm the reload within ${timeoutMs / 1000} s.`);
}
