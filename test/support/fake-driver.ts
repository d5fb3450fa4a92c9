import { DomainError } from "../../lib/errors";
import type { SecurityIntent } from "../../lib/security/intent";
import type { ApplyResult, ProtectionDriver, RuntimeEvent, RuntimeObservation } from "../../lib/engine/drivers";
import { deferred } from "./wait";

/**
 * FAKE runtime (named as such): a CrowdSec-shaped driver whose process is a boolean. It exists for
 * unit tests of the applier, rollback, reconciler and supervisor logic, where timing and failures
 * must be chosen by the test; the real agent is exercised in lib/engine/**.agent.test.ts.
 */
export class FakeCrowdsecDriver implements ProtectionDriver {
  readonly protection = "crowdsec" as const;
  running = false;
  pid = 4242;
  installed = true;
  /** The next applies that must fail, with this error. */
  failures: string[] = [];
  applied: number[] = [];
  private listeners = new Set<(e: RuntimeEvent) => void>();
  private held: { started: () => void; released: Promise<void> } | null = null;

  /**
   * A slow runtime whose pace the test sets: from now on every apply, once started, waits until
   * `release()`. `started` resolves when the first apply is waiting there (the runtime is "being
   * brought to" its version).
   */
  hold(): { started: Promise<void>; release: () => void } {
    const started = deferred();
    const released = deferred();
    this.held = { started: () => started.resolve(), released: released.promise };
    return {
      started: started.promise,
      release: () => {
        this.held = null;
        released.resolve();
      },
    };
  }

  preflight(intent: SecurityIntent): void {
    if (!this.installed && intent.crowdsec.enabled && intent.crowdsec.settings.mode === "local") {
      throw new DomainError("NOT_INSTALLED", "CrowdSec is not installed on this machine (fake).");
    }
  }

  async apply(intent: SecurityIntent): Promise<ApplyResult> {
    const started = Date.now();
    const version = intent.crowdsec.version;
    const held = this.held;
    if (held) {
      held.started();
      await held.released;
    }
    const failure = this.failures.shift();
    if (failure) return { status: "failed", version, ms: Date.now() - started, error: failure, logTail: ["fake log line 1", "fake log line 2"] };
    const want = intent.crowdsec.enabled;
    if (want && !this.running) {
      this.running = true;
      this.pid += 1;
      this.emit({ type: "started", pid: this.pid });
    } else if (!want && this.running) {
      this.running = false;
      this.emit({ type: "stopped", pid: this.pid, how: "sigterm" });
    }
    this.applied.push(version);
    return { status: "applied", version, ms: Date.now() - started, observation: await this.observe() };
  }

  async observe(): Promise<RuntimeObservation> {
    const observedAt = new Date().toISOString();
    if (!this.installed) return { protection: "crowdsec", state: "not_installed", summary: "CrowdSec is not installed (fake).", observedAt };
    return this.running
      ? { protection: "crowdsec", state: "running", summary: "Running (fake).", pid: this.pid, observedAt }
      : { protection: "crowdsec", state: "stopped", summary: "Stopped (fake).", observedAt };
  }

  onEvent(listener: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Simulates the agent dying on its own. */
  crash(): void {
    this.running = false;
    this.emit({ type: "exit", pid: this.pid, code: null, signal: "SIGKILL", expected: false });
  }

  private emit(e: RuntimeEvent): void {
    for (const l of this.listeners) l(e);
  }
}
