import "server-only";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { failureReason } from "./agent-log";
import { fileSize, lines, readFrom, TAIL_LINES } from "../log-tail";
import { LOADED_MARK, LOADED_SETTLE_MS, recordLoaded } from "./agent-loaded";
import { KILL_WAIT_MS, killGroup, waitGone } from "./agent-signals";
import { agentVersion } from "./agent-version";
import { ensureAcquiredFiles, instanceExists } from "./instance";
import { missingPackage, NotInstalledError } from "./installed-package";
import { probeLapi } from "./lapi-probe";
import { findRunningAgent, removePidFile, writePidFile } from "./pid-file";
import { portHolder } from "../proc";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";
import { formatDuration, POLL_MS, sleep } from "./timing";

// Starting the instance's agent: detached in its own process group, so it outlives the panel (its
// pid in the pid file, pid-file.ts), and ready only once its Local API answers and it is loaded
// (agent-loaded.ts).

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

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

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

  // The agent reads only the files that exist when it starts (the edge may not have run yet).
  try {
    ensureAcquiredFiles(s);
  } catch (error) {
    throw new AgentStartError(`CrowdSec cannot start: the log files it reads cannot be created (${(error as Error).message})`);
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
      recordLoaded(s, pid);
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
