import "server-only";
import { log } from "../../log";
import { ensureBlocklistFiles } from "../blocklist/blocklist-runtime";
import { writeFileAtomic } from "../atomic-write";
import type { RuntimeEvent } from "../drivers";
import { probeControl } from "./control";
import { EdgeNotInstalledError, ensureInstanceDirs, missingEdgePackage, testConfig, writeFiles } from "./instance-dir";
import { edgeWanted, validateEdgeIntent, type EdgeIntent } from "./edge-intent";
import { withEdgeLock } from "./lock";
import { EdgeReloadError, EdgeRuntimeError, reloadMaster, startMaster, stopMaster, type StopHow } from "./master";
import { observeEdge, type EdgeObservation } from "./observe";
import { findMaster, writePidFile } from "./process";
import { GENERATION_FILE, NO_EXTENSIONS, type EdgeExtensions } from "./render-nginx";
import { generationOnDisk, manifestFor, readHighestGeneration, readManifest, readRendered, renderSet, staleSiteFiles, withGeneration } from "./rendered-set";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";

// The edge as one runtime: apply an intent (validate → render → write → `nginx -t` → start or HUP →
// confirm the generation), stop, observe. Every apply runs under the edge lock. A refused intent
// writes nothing; a configuration nginx refuses is put back, and the running nginx keeps serving
// the previous generation.

export type EdgeApplyAction = "started" | "reloaded" | "unchanged" | "stopped" | "not_running";

export interface EdgeApplyReport {
  action: EdgeApplyAction;
  /** The generation and hash now served (null when the edge is not running). */
  generation: number | null;
  hash: string | null;
  ms: number;
  pid?: number;
  testMs?: number;
  /** Spawn → new generation served, or HUP → new generation served. */
  readyMs?: number;
  stoppedHow?: StopHow;
}

export class EdgeRuntime {
  private listeners = new Set<(event: RuntimeEvent) => void>();
  /** Pids this runtime is stopping: their exit is expected. */
  private stopping = new Set<number>();

  constructor(
    readonly settings: EdgeRuntimeSettings,
    readonly extensions: EdgeExtensions = NO_EXTENSIONS,
  ) {}

  /** Runtime events (the master exited, started, stopped) for a supervisor. Returns the unsubscribe. */
  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error({ event: "edge.listener_threw", err: error }, "edge runtime event listener threw");
      }
    }
  }

  /** Drives the edge to `input` (validated here: a refused intent throws a ValidationError and writes nothing). */
  async apply(input: unknown, options: { signal?: AbortSignal; holder?: string } = {}): Promise<EdgeApplyReport> {
    const intent = validateEdgeIntent(input);
    return withEdgeLock(this.settings, () => this.applyLocked(intent, options.signal), {
      holder: options.holder ?? `panel pid ${process.pid} applying the edge`,
      signal: options.signal,
      timeoutMs: this.settings.readyTimeoutMs + this.settings.testTimeoutMs + 3 * this.settings.stopGraceMs,
    });
  }

  private async applyLocked(intent: EdgeIntent, signal?: AbortSignal): Promise<EdgeApplyReport> {
    const s = this.settings;
    const t0 = Date.now();
    const ms = () => Date.now() - t0;
    const running = findMaster(s, { scan: true });
    if (running?.source === "scan") {
      log.warn({ event: "edge.master.adopted", pid: running.pid }, "found this edge's nginx without a pid file: adopted it");
      writePidFile(s, running.pid);
    }

    if (!edgeWanted(intent)) {
      if (!running) return { action: "not_running", generation: null, hash: null, ms: ms() };
      const stopped = await this.stop(running.pid);
      return { action: "stopped", generation: null, hash: null, ms: ms(), stoppedHow: stopped.how };
    }

    const missing = missingEdgePackage(s);
    if (missing) throw new EdgeNotInstalledError(missing);
    ensureInstanceDirs(s);
    ensureBlocklistFiles(s);
    const set = renderSet(intent, s, this.extensions);
    const manifest = readManifest(s);
    const served = running ? await probeControl(s) : null;

    if (running && served?.ok && manifest && served.hash === set.hash && manifest.hash === set.hash && served.generation === manifest.generation) {
      const onDisk = withGeneration(set, manifest.generation);
      const intact = Object.entries(onDisk).every(([rel, text]) => {
        const file = readRendered(s, rel);
        return file.kind === "text" && file.text === text;
      });
      if (intact) return { action: "unchanged", generation: manifest.generation, hash: set.hash, ms: ms(), pid: running.pid };
    }

    // Generations only grow, even past one that was written and then put back (a refused reload):
    // a number always names one configuration.
    const previous = Math.max(manifest?.generation ?? 0, served?.ok ? served.generation : 0, generationOnDisk(s)?.generation ?? 0, readHighestGeneration(s));
    const generation = previous + 1;
    const files = withGeneration(set, generation);
    const restore = writeFiles(s, files, staleSiteFiles(s, files), GENERATION_FILE);
    const test = await testConfig(s);
    if (!test.ok) {
      restore();
      const live = served?.ok ? `the edge keeps serving generation ${served.generation}` : "the edge was not started";
      throw new EdgeRuntimeError(`nginx refused the new configuration, so nothing changed (${live}): ${test.reason}`, test.output);
    }
    writeFileAtomic(edgePaths(s).highestGeneration, `${generation}\n`);
    const previousManifest = manifest ? JSON.stringify(manifest) : null;
    writeFileAtomic(edgePaths(s).manifest, JSON.stringify(manifestFor(set, generation, intent)));
    const want = { generation, hash: set.hash };

    if (running) {
      try {
        const reload = await reloadMaster(s, running.pid, want);
        return { action: "reloaded", generation, hash: set.hash, ms: ms(), pid: running.pid, testMs: test.ms, readyMs: reload.ms };
      } catch (error) {
        // A reload nginx refused left the previous configuration live: put its files back too, so
        // what is on disk is what is served. A reload still pending (timeout) is left as written.
        if (error instanceof EdgeReloadError && error.kind !== "timeout") {
          restore();
          if (previousManifest) writeFileAtomic(edgePaths(s).manifest, previousManifest);
        }
        throw error;
      }
    }
    const started = await startMaster(s, want, {
      signal,
      onExit: ({ pid, code, signal: sig }) => {
        const expected = this.stopping.has(pid);
        if (!expected) log.warn({ event: "edge.exited", pid, code, signal: sig }, "the edge's nginx exited unexpectedly");
        this.emit({ type: "exit", pid, code, signal: sig, expected });
      },
    });
    this.emit({ type: "started", pid: started.pid });
    return { action: "started", generation, hash: set.hash, ms: ms(), pid: started.pid, testMs: test.ms, readyMs: started.readyMs };
  }

  /** Stops the edge's nginx if it runs (under the lock). */
  async stopNow(options: { holder?: string } = {}): Promise<{ how: StopHow | "not_running"; ms: number }> {
    return withEdgeLock(
      this.settings,
      async () => {
        const running = findMaster(this.settings, { scan: true });
        if (!running) return { how: "not_running" as const, ms: 0 };
        return this.stop(running.pid);
      },
      { holder: options.holder ?? `panel pid ${process.pid} stopping the edge` },
    );
  }

  private async stop(pid: number): Promise<{ how: StopHow; ms: number }> {
    this.stopping.add(pid);
    try {
      const r = await stopMaster(this.settings, pid);
      this.emit({ type: "stopped", pid, how: r.how });
      return r;
    } finally {
      // The spawned child's exit event may arrive just after stopMaster saw the pid gone.
      setTimeout(() => this.stopping.delete(pid), 5_000).unref?.();
    }
  }

  /** What the edge is really doing now; never spawns, never writes. */
  observe(): Promise<EdgeObservation> {
    return observeEdge(this.settings);
  }
}
