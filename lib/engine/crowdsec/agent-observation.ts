import "server-only";
import type { RuntimeObservation } from "../drivers";
import { agentLoaded } from "./agent-loaded";
import { readLogTail } from "./agent-log";
import { knownAgentVersion } from "./agent-version";
import { missingPackage, notInstalledSentence } from "./installed-package";
import { probeLapi } from "./lapi-probe";
import { findRunningAgent, pidFileStatus } from "./pid-file";
import { processStartedAt } from "../proc";
import { localLapiUrl, type CrowdsecRuntimeSettings } from "./settings";
import { formatDuration } from "./timing";

// What the CrowdSec driver reports of its agent. Never spawns and never changes anything: /proc
// reads, the pid file and one HTTP GET. A live agent whose LAPI does not answer is `failed` (with its
// pid): bouncers cannot use it, so green would be a lie; while it is plausibly still loading it is `starting`.

/** What the driver is doing to the agent right now (in memory: this process's own start or stop). */
export type Phase = { kind: "idle" } | { kind: "starting" | "stopping"; pid: number | null; since: number };

/** The intent the driver last applied. */
export type Target = { enabled: boolean; mode: "local" | "external"; lapiUrl: string | null };

export interface Failure {
  summary: string;
  logTail: string[];
  at: string;
}

export interface DriverState {
  phase: Phase;
  target: Target | null;
  lastFailure: Failure | null;
  /** Called with the pid of a live agent of this instance (the driver watches it from then on). */
  onAlive(pid: number): void;
}

export async function observeAgent(s: CrowdsecRuntimeSettings, state: DriverState): Promise<RuntimeObservation> {
  const observedAt = new Date().toISOString();
  const base = { protection: "crowdsec" as const, observedAt };
  const lapiUrl = localLapiUrl(s);

  const phase = state.phase;
  if (phase.kind === "starting") {
    return {
      ...base,
      state: "starting",
      summary: `The CrowdSec agent is starting (for ${formatDuration(Date.now() - phase.since)} so far).`,
      details: { lapiUrl },
    };
  }
  if (phase.kind === "stopping") {
    return {
      ...base,
      state: "stopping",
      summary: `The CrowdSec agent (pid ${phase.pid}) is stopping.`,
      pid: phase.pid ?? undefined,
      details: { lapiUrl },
    };
  }

  if (state.target?.mode === "external" && state.target.enabled) {
    const url = state.target.lapiUrl ?? "";
    const probe = url ? await probeLapi(url) : { ok: false, latencyMs: 0, error: "no URL is set" };
    return {
      ...base,
      state: "external",
      summary: probe.ok
        ? `Using the external Local API at ${url}: reachable (${probe.latencyMs} ms).`
        : `Using the external Local API at ${url || "(none)"}: unreachable (${probe.error}).`,
      // External mode never stops the managed agent; if one still runs, say so rather than hide it.
      details: {
        lapiUrl: url,
        reachable: probe.ok,
        latencyMs: probe.latencyMs,
        error: probe.error ?? null,
        managedAgentPid: findRunningAgent(s)?.pid ?? null,
      },
    };
  }

  const pidFile = pidFileStatus(s);
  if (pidFile.state === "alive" && pidFile.pid !== null) {
    const pid = pidFile.pid;
    state.onAlive(pid);
    const startedAt = processStartedAt(pid);
    const version = knownAgentVersion(s);
    const probe = await probeLapi(s);
    const details = { lapiUrl, version, latencyMs: probe.latencyMs };
    const common = { ...base, pid, startedAt: startedAt?.toISOString() };
    if (probe.ok) {
      return {
        ...common,
        state: "running",
        summary: `The CrowdSec agent is running (pid ${pid}); its Local API answers in ${probe.latencyMs} ms.`,
        details: { ...details, lapi: "ready" },
      };
    }
    const age = startedAt ? Date.now() - startedAt.getTime() : Infinity;
    if (age < s.readyTimeoutMs && !agentLoaded(s, pid)) {
      return {
        ...common,
        state: "starting",
        summary: `The CrowdSec agent (pid ${pid}) is starting; its Local API does not answer yet.`,
        details: { ...details, lapi: "not answering" },
      };
    }
    return {
      ...common,
      state: "failed",
      summary: `The CrowdSec agent (pid ${pid}) is running but its Local API does not answer: ${probe.error}.`,
      details: { ...details, lapi: "not answering", error: probe.error ?? null },
      logTail: readLogTail(s),
    };
  }

  const missing = missingPackage(s);
  if (missing) return { ...base, state: "not_installed", summary: notInstalledSentence(missing) };

  const stale: Record<string, string> = pidFile.state === "stale_dead" || pidFile.state === "stale_stranger" ? { pidFile: pidFile.state } : {};
  const wanted = state.target === null || (state.target.enabled && state.target.mode === "local");
  if (state.lastFailure && wanted) {
    return {
      ...base,
      state: "failed",
      summary: state.lastFailure.summary,
      logTail: state.lastFailure.logTail,
      details: { lapiUrl, failedAt: state.lastFailure.at, ...stale },
    };
  }
  return { ...base, state: "stopped", summary: "The CrowdSec agent is stopped.", details: { lapiUrl, ...stale } };
}
