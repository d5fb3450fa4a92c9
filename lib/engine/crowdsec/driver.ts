import "server-only";
import { isDomainError } from "../../errors";
import { log } from "../../log";
import type { SecurityIntent } from "../../security/intent";
import type { ApplyResult, ProtectionDriver, RuntimeEvent, RuntimeObservation } from "../types";
import {
  AgentStartError,
  agentLoaded,
  agentVersion,
  findRunningAgent,
  formatDuration,
  knownAgentVersion,
  pidFileStatus,
  probeLapi,
  readLogTail,
  removePidFile,
  startAgent,
  stopAgent,
  stopWasRequested,
  writePidFile,
  type StopHow,
} from "./agent";
import { ensureInstance, missingPackage, NotInstalledError, notInstalledSentence } from "./instance";
import { withInstanceLock } from "./lock";
import { isInstanceAgent, processStartedAt } from "./proc";
import { crowdsecSettings, localLapiUrl, type CrowdsecRuntimeSettings } from "./settings";

// The CrowdSec driver (ADR 006): drives the managed agent to the latest intent and
// reports what it observes.
//
//  mode local, enabled   → the instance exists and exactly one agent of it runs (adopted if alive,
//                          started otherwise). Every start/stop happens under the instance lock, so
//                          two appliers, two panels or the CLI never produce two agents.
//  mode local, disabled  → our agent is stopped if it runs (SIGTERM, then SIGKILL after the grace).
//  mode external         → nothing is started or stopped; the configured LAPI's /health is probed.
//
// observe() never spawns and never changes anything: /proc reads, the pid file and one HTTP GET.
// A live agent whose LAPI does not answer is reported as `failed` (with its pid): bouncers cannot
// use it, so green would be a lie; while it is plausibly still loading it is `starting`.

type Target = { enabled: boolean; mode: "local" | "external"; lapiUrl: string | null };

interface Tracked {
  pid: number;
  /** spawned by this process: the child's exit event reports its death; else a pid probe does. */
  spawned: boolean;
  probe: NodeJS.Timeout | null;
}

export class CrowdsecDriver implements ProtectionDriver {
  readonly protection = "crowdsec" as const;
  readonly settings: CrowdsecRuntimeSettings;
  private phase: { kind: "idle" } | { kind: "starting" | "stopping"; pid: number | null; since: number } = { kind: "idle" };
  /** Sets the in-memory phase; the returned function clears it only if nobody has set another since. */
  private enterPhase(kind: "starting" | "stopping", pid: number | null): () => void {
    const phase = { kind, pid, since: Date.now() };
    this.phase = phase;
    return () => {
      if (this.phase === phase) this.phase = { kind: "idle" };
    };
  }
  private target: Target | null = null;
  private lastFailure: { summary: string; logTail: string[]; at: string } | null = null;
  private tracked: Tracked | null = null;
  /** Pids this driver is stopping: their exit is expected. */
  private stopping = new Set<number>();
  private listeners = new Set<(event: RuntimeEvent) => void>();
  private closed = false;

  constructor(settings: CrowdsecRuntimeSettings = crowdsecSettings()) {
    this.settings = settings;
  }

  // ------------------------------------------------------------------------------------------
  // Events

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    this.adoptIfRunning();
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    this.closed = true;
    this.untrack();
    this.listeners.clear();
  }

  private emit(event: RuntimeEvent): void {
    if (this.closed) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error({ event: "crowdsec.driver.listener_threw", err: error }, "runtime event listener threw");
      }
    }
  }

  private track(pid: number, spawned: boolean): void {
    if (this.closed) return;
    if (this.tracked?.pid === pid) return;
    this.untrack();
    const tracked: Tracked = { pid, spawned, probe: null };
    if (!spawned) {
      tracked.probe = setInterval(() => {
        if (!isInstanceAgent(pid, this.settings)) this.onAgentExit(pid, null, null);
      }, this.settings.probeMs);
      tracked.probe.unref?.();
    }
    this.tracked = tracked;
  }

  private untrack(): void {
    if (this.tracked?.probe) clearInterval(this.tracked.probe);
    this.tracked = null;
  }

  /** A live agent of this instance (e.g. left by a panel that restarted) is watched from now on. */
  private adoptIfRunning(): void {
    if (this.closed || this.tracked) return;
    const running = findRunningAgent(this.settings);
    if (running) this.track(running.pid, false);
  }

  private onAgentExit(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.tracked?.pid !== pid) return;
    this.untrack();
    const expected = this.stopping.has(pid) || stopWasRequested(this.settings, pid);
    if (!expected) {
      removePidFile(this.settings, pid);
      const how = code !== null ? `code ${code}` : signal ? `signal ${signal}` : "killed or crashed";
      const wanted = this.target === null || (this.target.enabled && this.target.mode === "local");
      if (wanted) {
        this.lastFailure = {
          summary: `The CrowdSec agent (pid ${pid}) exited unexpectedly (${how}).`,
          logTail: readLogTail(this.settings),
          at: new Date().toISOString(),
        };
      }
      log.warn({ event: "crowdsec.agent.exited", pid, code, signal, expected }, "CrowdSec agent exited unexpectedly");
    }
    this.emit({ type: "exit", pid, code, signal, expected });
  }

  // ------------------------------------------------------------------------------------------
  // Preflight and apply

  preflight(intent: SecurityIntent): void {
    const c = intent.crowdsec;
    if (!c.enabled || c.settings.mode !== "local") return;
    const missing = missingPackage(this.settings);
    if (missing) throw new NotInstalledError(missing);
  }

  /**
   * Drives the runtime to the intent. Everything happens under the instance lock, and the intent is
   * re-read inside it (`latest`): a process that waited for the lock (the CLI while the panel
   * applied, or the other way round) applies the newest version, never the one it read before.
   */
  async apply(first: SecurityIntent, signal: AbortSignal, latest?: () => Promise<SecurityIntent>): Promise<ApplyResult> {
    const t0 = Date.now();
    try {
      return await withInstanceLock(this.settings, async () => this.applyIntent(latest ? await latest() : first, signal, t0), {
        holder: `panel pid ${process.pid} applying CrowdSec v${first.crowdsec.version}`,
        signal,
        timeoutMs: this.settings.readyTimeoutMs + this.settings.stopGraceMs + 15_000,
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      const logTail = (error as { logTail?: string[] }).logTail;
      this.phase = { kind: "idle" };
      this.lastFailure = { summary: error.message, logTail: logTail ?? [], at: new Date().toISOString() };
      return { status: "failed", version: first.crowdsec.version, ms: Date.now() - t0, error: error.message, ...(logTail?.length ? { logTail } : {}) };
    } finally {
      this.phase = { kind: "idle" };
    }
  }

  private async applyIntent(intent: SecurityIntent, signal: AbortSignal, t0: number): Promise<ApplyResult> {
    const c = intent.crowdsec;
    const version = c.version;
    this.target = { enabled: c.enabled, mode: c.settings.mode, lapiUrl: c.settings.lapiUrl };
    const failed = (error: string, logTail?: string[]): ApplyResult => {
      this.phase = { kind: "idle" };
      this.lastFailure = { summary: error, logTail: logTail ?? [], at: new Date().toISOString() };
      return { status: "failed", version, ms: Date.now() - t0, error, intent, ...(logTail && logTail.length ? { logTail } : {}) };
    };
    const applied = async (details?: Record<string, string | number | boolean | null>): Promise<ApplyResult> => {
      this.phase = { kind: "idle" };
      const observation = await this.observe();
      if (details) observation.details = { ...observation.details, ...details };
      return { status: "applied", version, ms: Date.now() - t0, observation, intent };
    };

    if (c.settings.mode === "external") {
      // An external LAPI is never started or stopped; this instance's own agent is ours, and with the
      // intent external (or off) it must not keep running.
      const own = findRunningAgent(this.settings, { scan: true });
      if (own) {
        log.info({ event: "crowdsec.agent.stop_for_external", pid: own.pid }, "mode external: stopping the managed agent");
        await this.stop(own.pid);
      }
      this.lastFailure = null;
      if (!c.enabled) return applied();
      const url = c.settings.lapiUrl;
      if (!url) return failed("External mode needs a Local API URL, and none is set.");
      const probe = await probeLapi(url, 2_000);
      if (!probe.ok) return failed(`The external Local API at ${url} is not reachable: ${probe.error}.`);
      return applied();
    }

    try {
      return await this.applyLocal(c.enabled, signal, failed, applied);
    } catch (error) {
      if (error instanceof AgentStartError) return failed(error.message, error.logTail);
      if (isDomainError(error)) return failed(error.message);
      throw error;
    }
  }

  private async applyLocal(
    enabled: boolean,
    signal: AbortSignal,
    failed: (error: string, logTail?: string[]) => ApplyResult,
    applied: (details?: Record<string, string | number | boolean | null>) => Promise<ApplyResult>,
  ): Promise<ApplyResult> {
    const s = this.settings;
    const pidFile = pidFileStatus(s);
    if (pidFile.state === "stale_dead" || pidFile.state === "stale_stranger") {
      log.warn(
        { event: "crowdsec.pidfile.stale", state: pidFile.state, pid: pidFile.pid },
        pidFile.state === "stale_dead"
          ? "pid file names a dead process: removed"
          : "pid file names a process that is not this instance's agent: removed, process left alone",
      );
      removePidFile(s);
    }
    let running = findRunningAgent(s, { scan: true });
    if (running?.source === "scan") {
      log.warn({ event: "crowdsec.agent.orphan_adopted", pid: running.pid }, "found this instance's agent without a pid file: adopted it");
      writePidFile(s, running.pid);
    }

    if (!enabled) {
      if (!running) {
        this.lastFailure = null;
        return applied();
      }
      const r = await this.stop(running.pid);
      this.lastFailure = null;
      return applied({ stoppedHow: r.how, stopMs: r.ms });
    }

    const missing = missingPackage(s);
    if (missing) return failed(notInstalledSentence(missing));
    // Creating the instance takes ~1–2 s the first time: that is already "starting" for the card.
    const leaveCreate = running ? () => undefined : this.enterPhase("starting", null);
    let instance;
    try {
      instance = await ensureInstance(s, { lockHeld: true });
    } finally {
      leaveCreate();
    }

    if (running && instance.configChanged) {
      log.info({ event: "crowdsec.agent.restart_for_config", pid: running.pid }, "instance config changed (ports): restarting the agent");
      await this.stop(running.pid);
      running = null;
    }

    if (running) {
      this.track(running.pid, this.tracked?.pid === running.pid ? this.tracked.spawned : false);
      // An adopted agent may still be loading (its starter died mid-start): give it the ready timeout.
      const deadline = Date.now() + s.readyTimeoutMs;
      let probe = await probeLapi(s);
      while ((!probe.ok || !agentLoaded(s, running.pid)) && Date.now() < deadline && isInstanceAgent(running.pid, s) && !signal.aborted) {
        await new Promise((r) => setTimeout(r, 100));
        probe = await probeLapi(s);
      }
      if (!probe.ok) {
        return failed(`The running CrowdSec agent (pid ${running.pid}) does not answer on its Local API: ${probe.error}.`, readLogTail(s));
      }
      await agentVersion(s); // once per process: the card shows the version of an adopted agent too
      this.lastFailure = null;
      return applied({ adopted: true });
    }

    const leave = this.enterPhase("starting", null);
    let started;
    try {
      started = await startAgent(s, {
        signal,
        onExit: ({ pid, code, signal: sig }) => this.onAgentExit(pid, code, sig),
      });
    } finally {
      leave();
    }
    this.track(started.pid, true);
    this.lastFailure = null;
    this.emit({ type: "started", pid: started.pid });
    return applied({ lapiReadyMs: started.lapiReadyMs, loadedMs: started.loadedMs });
  }

  private async stop(pid: number): Promise<{ how: StopHow; ms: number }> {
    const leave = this.enterPhase("stopping", pid);
    this.stopping.add(pid);
    try {
      const r = await stopAgent(this.settings, pid, { by: `panel pid ${process.pid}` });
      // A pid-probed (adopted) agent: report its exit now rather than at the next probe tick.
      if (this.tracked?.pid === pid && !this.tracked.spawned) this.onAgentExit(pid, null, null);
      this.emit({ type: "stopped", pid, how: r.how });
      return r;
    } finally {
      leave();
      // The spawned child's exit event may arrive just after stopAgent saw the pid gone.
      setTimeout(() => this.stopping.delete(pid), 5_000).unref?.();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Observe

  async observe(): Promise<RuntimeObservation> {
    const s = this.settings;
    const observedAt = new Date().toISOString();
    const base = { protection: "crowdsec" as const, observedAt };
    const lapiUrl = localLapiUrl(s);

    if (this.phase.kind === "starting") {
      return {
        ...base,
        state: "starting",
        summary: `The CrowdSec agent is starting (for ${formatDuration(Date.now() - this.phase.since)} so far).`,
        details: { lapiUrl },
      };
    }
    if (this.phase.kind === "stopping") {
      return {
        ...base,
        state: "stopping",
        summary: `The CrowdSec agent (pid ${this.phase.pid}) is stopping.`,
        pid: this.phase.pid ?? undefined,
        details: { lapiUrl },
      };
    }

    if (this.target?.mode === "external" && this.target.enabled) {
      const url = this.target.lapiUrl ?? "";
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
      if (!this.tracked) this.track(pid, false);
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
    const wanted = this.target === null || (this.target.enabled && this.target.mode === "local");
    if (this.lastFailure && wanted) {
      return {
        ...base,
        state: "failed",
        summary: this.lastFailure.summary,
        logTail: this.lastFailure.logTail,
        details: { lapiUrl, failedAt: this.lastFailure.at, ...stale },
      };
    }
    return { ...base, state: "stopped", summary: "The CrowdSec agent is stopped.", details: { lapiUrl, ...stale } };
  }
}
