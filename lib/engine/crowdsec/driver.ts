import "server-only";
import { isDomainError } from "../../errors";
import { log } from "../../log";
import type { SecurityIntent } from "../../security/intent";
import type { ApplyResult, ProtectionDriver, RuntimeEvent, RuntimeObservation } from "../drivers";
import { agentLoaded } from "./agent-loaded";
import { observeAgent, type Failure, type Phase, type Target } from "./agent-observation";
import { AgentTracker } from "./agent-tracker";
import { readLogTail } from "./agent-log";
import { stopAgent, stopWasRequested, type StopHow } from "./agent-signals";
import { AgentStartError, startAgent } from "./agent-start";
import { agentVersion } from "./agent-version";
import { probeLapi } from "./lapi-probe";
import { findRunningAgent, pidFileStatus, removePidFile, writePidFile } from "./pid-file";
import { missingPackage, NotInstalledError, notInstalledSentence } from "./installed-package";
import { ensureInstance } from "./instance";
import { withInstanceLock } from "./instance-lock";
import { isInstanceAgent } from "./agent-pids";
import { crowdsecSettings, type CrowdsecRuntimeSettings } from "./settings";

// The CrowdSec driver (ADR 006): drives the managed agent to the latest intent and
// reports what it observes.
//
//  mode local, enabled   → the instance exists and exactly one agent of it runs (adopted if alive,
//                          started otherwise). Every start/stop happens under the instance lock, so
//                          two appliers, two panels or the CLI never produce two agents.
//  mode local, disabled  → our agent is stopped if it runs (SIGTERM, then SIGKILL after the grace).
//  mode external         → nothing is started or stopped; the configured LAPI's /health is probed.
//
// observe() never spawns and never changes anything (agent-observation.ts); which agent is watched,
// and who hears of its exit, is agent-tracker.ts.

export class CrowdsecDriver implements ProtectionDriver {
  readonly protection = "crowdsec" as const;
  readonly settings: CrowdsecRuntimeSettings;
  private phase: Phase = { kind: "idle" };
  /** Sets the in-memory phase; the returned function clears it only if nobody has set another since. */
  private enterPhase(kind: "starting" | "stopping", pid: number | null): () => void {
    const phase = { kind, pid, since: Date.now() };
    this.phase = phase;
    return () => {
      if (this.phase === phase) this.phase = { kind: "idle" };
    };
  }
  private target: Target | null = null;
  private lastFailure: Failure | null = null;
  /** Pids this driver is stopping: their exit is expected. */
  private stopping = new Set<number>();
  private readonly agent: AgentTracker;

  constructor(settings: CrowdsecRuntimeSettings = crowdsecSettings()) {
    this.settings = settings;
    this.agent = new AgentTracker(settings, (pid) => this.onAgentExit(pid, null, null));
  }

  // ------------------------------------------------------------------------------------------
  // Events

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    const unsubscribe = this.agent.subscribe(listener);
    this.adoptIfRunning();
    return unsubscribe;
  }

  close(): void {
    this.agent.close();
  }

  /** A live agent of this instance (e.g. left by a panel that restarted) is watched from now on. */
  private adoptIfRunning(): void {
    if (this.agent.isClosed || this.agent.current) return;
    const running = findRunningAgent(this.settings);
    if (running) this.agent.track(running.pid, false);
  }

  private onAgentExit(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.agent.current?.pid !== pid) return;
    this.agent.untrack();
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
    this.agent.emit({ type: "exit", pid, code, signal, expected });
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
      const current = this.agent.current;
      this.agent.track(running.pid, current?.pid === running.pid ? current.spawned : false);
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
    this.agent.track(started.pid, true);
    this.lastFailure = null;
    this.agent.emit({ type: "started", pid: started.pid });
    return applied({ lapiReadyMs: started.lapiReadyMs, loadedMs: started.loadedMs });
  }

  private async stop(pid: number): Promise<{ how: StopHow; ms: number }> {
    const leave = this.enterPhase("stopping", pid);
    this.stopping.add(pid);
    try {
      const r = await stopAgent(this.settings, pid, { by: `panel pid ${process.pid}` });
      // A pid-probed (adopted) agent: report its exit now rather than at the next probe tick.
      const current = this.agent.current;
      if (current?.pid === pid && !current.spawned) this.onAgentExit(pid, null, null);
      this.agent.emit({ type: "stopped", pid, how: r.how });
      return r;
    } finally {
      leave();
      // The spawned child's exit event may arrive just after stopAgent saw the pid gone.
      setTimeout(() => this.stopping.delete(pid), 5_000).unref?.();
    }
  }

  /** What the agent is doing now; see agent-observation.ts. */
  observe(): Promise<RuntimeObservation> {
    return observeAgent(this.settings, {
      phase: this.phase,
      target: this.target,
      lastFailure: this.lastFailure,
      onAlive: (pid) => {
        if (!this.agent.current) this.agent.track(pid, false);
      },
    });
  }
}
