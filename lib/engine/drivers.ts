import type { Surface, SurfaceCheck } from "../drift/drift-report";
import type { SecurityIntent } from "../security/intent";
import type { Protection } from "../security/spec/protections";

// The runtime side of a protection (docs/architecture.md). Desired-state semantics
// (ADR 005): every accepted click commits a new intent version; one applier per
// protection drives the runtime to the *latest* committed intent, skipping intermediate versions.
// A driver therefore never receives "turn on" / "turn off" commands: it receives the whole
// intent it must converge to, and reports what it observes, never what it was asked.

/**
 * What was observed of a runtime. `unmanaged` means no runtime is connected to this protection;
 * `rendered` means Warden renders the protection's file from the intent but no process loads it yet
 * (the WAF tuning file until the edge exists): never shown as enforced.
 */
export type RuntimeState = "running" | "stopped" | "starting" | "stopping" | "failed" | "external" | "not_installed" | "rendered" | "unmanaged";

export interface RuntimeObservation {
  protection: Protection;
  state: RuntimeState;
  /** One plain sentence an admin can read on the card. */
  summary: string;
  /** When the runtime was observed (ISO); never the time of a click. */
  observedAt: string;
  pid?: number;
  startedAt?: string;
  /** e.g. LAPI ready, latency, version, the path a tuning file was rendered to. */
  details?: Record<string, string | number | boolean | null>;
  /** Last lines of the runtime's log, for a failure. */
  logTail?: string[];
  /** True until the boot reconciler has made this runtime match the intent (status says "reconciling"). */
  reconciling?: boolean;
}

/** What a driver reports happening to its runtime without anyone asking (the supervisor listens). */
export type RuntimeEvent =
  | { type: "exit"; pid: number; code: number | null; signal: string | null; expected: boolean }
  | { type: "started"; pid: number }
  | { type: "stopped"; pid: number; how: string };

export type ApplyResult =
  /** `intent`: the intent actually applied (a driver re-reads it under its lock; it may be newer). */
  | { status: "applied"; version: number; ms: number; observation: RuntimeObservation; intent?: SecurityIntent }
  | { status: "failed"; version: number; ms: number; error: string; logTail?: string[]; intent?: SecurityIntent }
  /** Nothing to drive: the protection has no runtime (recorded, never shown as enforced). */
  | { status: "not_managed"; version: number; reason: string };

export interface ProtectionDriver {
  readonly protection: Protection;
  /** Drive the runtime to `intent` (the latest committed one); resolves when it is there, or failed. */
  apply(intent: SecurityIntent, signal: AbortSignal, latest?: () => Promise<SecurityIntent>): Promise<ApplyResult>;
  /** Observe the runtime now. Must not change it, and must not spawn a process (it is polled). */
  observe(): Promise<RuntimeObservation>;
  /**
   * Refuses an intent the runtime can never satisfy on this machine (e.g. the package is not
   * installed), before it is committed. Throws a DomainError with a message fit for the card.
   */
  preflight?(intent: SecurityIntent): void | Promise<void>;
  /** Subscribe to runtime events (an agent exited, started, stopped). Returns the unsubscribe. */
  onEvent?(listener: (event: RuntimeEvent) => void): () => void;
  /** Stop timers and watchers (tests, hot reload). Never stops the runtime itself. */
  close?(): void;
}

/** A surface of the runtime a driver answers for (the drift surfaces minus the panel's own store). */
export type RuntimeSurface = Exclude<Surface, "store">;

/**
 * One driver per runtime (docs/architecture.md): the only code that changes a runtime. The engine owns them;
 * drift asks them to observe and diff and never writes. Adding a runtime (the edge, its blocklist)
 * is one more driver registered in lib/engine/engine.ts.
 *
 *  render  — what the runtime must hold for an intent (file contents, links, processes). Reads only.
 *  observe — what is really there, where this intent says to look. Reads only, never spawns.
 *  diff    — desired vs observed, as drift lines for an admin.
 *  apply   — make it so. Called only from the protection's applier queue (lib/engine/applier.ts),
 *            under the instance lock where the runtime has one. Throws a DomainError on failure.
 */
export interface RuntimeDriver<Desired = unknown, Observed = unknown, Report = unknown> {
  /** e.g. "CrowdSec agent", "CrowdSec scenarios", "WAF tuning file": names it in logs and reports. */
  readonly name: string;
  readonly protection: Protection;
  /**
   * The protections whose appliers change this runtime, when more than its own (the edge: the WAF's
   * and the rate limit's): while any of them applies, a difference is the runtime settling.
   */
  readonly appliedBy?: readonly Protection[];
  readonly surface: RuntimeSurface;
  render(intent: SecurityIntent): Promise<Desired>;
  observe(intent: SecurityIntent): Promise<Observed>;
  diff(desired: Desired, observed: Observed, intent: SecurityIntent): SurfaceCheck;
  apply(intent: SecurityIntent, signal: AbortSignal): Promise<Report>;
  /** Paths whose changes should trigger a check of this surface (directories or files; may not exist yet). */
  watchPaths?(): string[];
  /**
   * How long a difference seen while this protection's applier is in flight is called settling rather
   * than drift (the runtime's readiness timeout). Without it, differences are drift at once.
   */
  readonly settleMs?: number;
}
