import "server-only";
import { log } from "../../log";
import type { RuntimeEvent } from "../drivers";
import { isInstanceAgent } from "./agent-pids";
import type { CrowdsecRuntimeSettings } from "./settings";

// Which agent the CrowdSec driver watches, and who hears what happens to it. An agent this process
// spawned reports its death through its child's exit event (the driver passes that on); an adopted
// one (left by a panel that restarted, or started by the CLI) through a pid probe every probeMs.

interface Tracked {
  pid: number;
  /** spawned by this process: the child's exit event reports its death; else a pid probe does. */
  spawned: boolean;
  probe: NodeJS.Timeout | null;
}

export class AgentTracker {
  private tracked: Tracked | null = null;
  private listeners = new Set<(event: RuntimeEvent) => void>();
  private closed = false;

  /** `onProbedGone` is called when the pid probe finds an adopted agent gone. */
  constructor(
    private readonly settings: CrowdsecRuntimeSettings,
    private readonly onProbedGone: (pid: number) => void,
  ) {}

  /** The agent watched now, or null. */
  get current(): { readonly pid: number; readonly spawned: boolean } | null {
    return this.tracked;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    this.closed = true;
    this.untrack();
    this.listeners.clear();
  }

  emit(event: RuntimeEvent): void {
    if (this.closed) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error({ event: "crowdsec.driver.listener_threw", err: error }, "runtime event listener threw");
      }
    }
  }

  track(pid: number, spawned: boolean): void {
    if (this.closed) return;
    if (this.tracked?.pid === pid) return;
    this.untrack();
    const tracked: Tracked = { pid, spawned, probe: null };
    if (!spawned) {
      tracked.probe = setInterval(() => {
        if (!isInstanceAgent(pid, this.settings)) this.onProbedGone(pid);
      }, this.settings.probeMs);
      tracked.probe.unref?.();
    }
    this.tracked = tracked;
  }

  untrack(): void {
    if (this.tracked?.probe) clearInterval(this.tracked.probe);
    this.tracked = null;
  }
}
