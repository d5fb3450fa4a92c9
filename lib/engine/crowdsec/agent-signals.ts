import "server-only";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { writeFileAtomic } from "../atomic-write";
import { fileSize, readFrom } from "../log-tail";
import { agentLoaded, LOADED_SETTLE_MS } from "./agent-loaded";
import { removePidFile } from "./pid-file";
import { cmdline, isAlive, readStat } from "../proc";
import { isInstanceAgent } from "./agent-pids";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";
import { formatDuration, POLL_MS, sleep } from "./timing";

// Signals to this instance's agent: SIGTERM (then SIGKILL) to stop it, SIGHUP to reload its
// scenarios. A signal goes only to a pid that is still this instance's crowdsec (proc.ts), and never
// before the agent has installed its handlers (agent-loaded.ts): until then any signal kills it raw.

/** How long a SIGKILLed agent may take to be gone. */
export const KILL_WAIT_MS = 5_000;

export type StopHow = "sigterm" | "sigkill" | "already_gone";

/** Resolves true once `pid` is gone, false if it is still alive after timeoutMs. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/** Signals the process group the agent leads (we spawn it detached), else the pid alone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
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
