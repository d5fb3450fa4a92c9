import "server-only";
import { log } from "../../log";
import { intentEvents } from "../../security/intent-events";
import type { SecurityIntent } from "../../security/intent";
import type { CrowdsecRuntimeSettings } from "../crowdsec/settings";
import type { EdgeRuntimeSettings } from "../edge/settings";
import { missingEdgePackage } from "../edge/instance-dir";
import { applyBlocklist, type BlocklistApplyReport } from "./blocklist-runtime";
import { offState, stateCounts, type BlocklistState } from "./blocklist-state";
import { classifyDecisions, type ClassifiedDecision, type DecisionSet } from "./decision-set";
import { LapiClient } from "./lapi-client";
import { forgetManagedBouncerKey, lapiAccess } from "./lapi-credentials";
export type { BlocklistState } from "./blocklist-state";

// Warden's own bouncer (ADR 014): on the elected leader, poll LAPI's decision stream as a
// change signal only, and on any change (or every resync interval, so a lost event cannot leave a
// ban unenforced) re-read the FULL active set, render it into the edge's blocklist with one reload,
// and persist it for every replica's Decisions page. A stream delta is never applied as such: LAPI
// repeats deletions for a second or two, and a late duplicate could undo a fresh ban. When LAPI is
// unreachable or nginx refuses the blocklist, the edge keeps the last good one and the status says
// "stale since … (reason)" until a sync succeeds again.

export interface DecisionLoopOptions {
  edge: EdgeRuntimeSettings;
  crowdsec: CrowdsecRuntimeSettings;
  readIntent: () => Promise<SecurityIntent>;
  pollMs: number;
  resyncMs: number;
  /** Persists the active set and the state (the leader's copy for every replica). */
  persist?: (decisions: ClassifiedDecision[] | null, state: BlocklistState) => Promise<void>;
}

const INTENT_TTL_MS = 1_000;
const MAX_BACKOFF_MS = 2_000;

export class DecisionLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private busy: Promise<void> | null = null;
  private wakeRequested = false;
  private intent: { value: SecurityIntent; at: number } | null = null;
  private client: { key: string; client: LapiClient } | null = null;
  private needStartup = true;
  private lastFullAt = 0;
  private failures = 0;
  private pendingApply = false;
  private expiries = new Map<number, Date>();
  /** The values the edge serves, as of this loop's last apply. */
  private served = new Set<string>();
  private state: BlocklistState = {
    crowdsecEnabled: false,
    edgeMissing: null,
    syncedAt: null,
    stale: null,
    active: 0,
    enforced: 0,
    notEnforced: 0,
    notEnforcedReasons: {},
    written: null,
  };

  private listeners = new Set<(state: BlocklistState) => void>();
  private steps: Promise<void> = Promise.resolve();

  constructor(private readonly options: DecisionLoopOptions) {}

  /** Called after each step that changed the blocklist or its state (the drift detector re-checks). Returns the unsubscribe. */
  onApplied(listener: (state: BlocklistState) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private announce(): void {
    const state = this.status();
    for (const l of this.listeners) {
      try {
        l(state);
      } catch (error) {
        log.error({ event: "blocklist.listener_threw", err: error }, "blocklist listener threw");
      }
    }
  }

  status(): BlocklistState {
    return structuredClone(this.state);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Waits until the blocklist this loop applied does (or does not) carry `value`; false after `timeoutMs`. */
  async waitForEntry(value: string, present: boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.served.has(value) !== present && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.served.has(value) === present;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A commit in this process (CrowdSec switched, a site changed) is seen at once, not after the intent's TTL.
    intentEvents.on("committed", this.onCommit);
    log.info({ event: "blocklist.loop_started", pollMs: this.options.pollMs, resyncMs: this.options.resyncMs }, "decision loop started (leader)");
    this.schedule(0);
  }

  private readonly onCommit = () => this.kick();

  async stop(): Promise<void> {
    this.running = false;
    intentEvents.off("committed", this.onCommit);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.busy;
  }

  /** Sync now (a ban or unban from the panel, an intent change): the next step reads the full set. */
  kick(): void {
    this.intent = null;
    this.lastFullAt = 0;
    if (this.busy) this.wakeRequested = true;
    else if (this.running) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    this.busy = this.step().catch((error: unknown) => log.error({ event: "blocklist.step_threw", err: error }, "decision loop step failed unexpectedly"));
    await this.busy;
    this.busy = null;
    const again = this.wakeRequested;
    this.wakeRequested = false;
    const backoff = this.failures === 0 ? this.options.pollMs : Math.min(MAX_BACKOFF_MS, this.options.pollMs * 2 ** Math.min(this.failures, 6));
    this.schedule(again ? 0 : backoff);
  }

  private async currentIntent(): Promise<SecurityIntent> {
    if (!this.intent || Date.now() - this.intent.at > INTENT_TTL_MS) this.intent = { value: await this.options.readIntent(), at: Date.now() };
    return this.intent.value;
  }

  private markStale(reason: string): void {
    this.failures += 1;
    if (this.state.stale?.reason !== reason) {
      log.warn(
        { event: "blocklist.stale", reason, since: this.state.stale?.since ?? new Date().toISOString() },
        `the edge keeps its last good blocklist: ${reason}`,
      );
    }
    const fresh = this.state.stale === null;
    this.state.stale = { since: this.state.stale?.since ?? new Date().toISOString(), reason };
    if (fresh) {
      this.announce();
      void this.persist(null);
    }
  }

  /** One step (Apply to runtime forces one with the intent it applies); steps never overlap. */
  step(force = false, given?: SecurityIntent): Promise<void> {
    const next = this.steps.then(() => this.stepOnce(force, given));
    this.steps = next.catch(() => undefined);
    return next;
  }

  private async stepOnce(force: boolean, given?: SecurityIntent): Promise<void> {
    let intent: SecurityIntent;
    if (given) this.intent = { value: given, at: Date.now() };
    try {
      intent = await this.currentIntent();
    } catch (error) {
      return this.markStale(`the intent could not be read: ${(error as Error).message}`);
    }
    const missing = missingEdgePackage(this.options.edge);
    this.state.edgeMissing = missing;
    if (!intent.crowdsec.enabled) return missing ? undefined : this.off();
    this.state.crowdsecEnabled = true;
    const key = `${intent.crowdsec.settings.mode}|${intent.crowdsec.settings.lapiUrl ?? ""}`;
    if (!this.client || this.client.key !== key) {
      const access = await lapiAccess(intent, this.options.crowdsec);
      if (!access.bouncerKey) return this.markStale(access.bouncerProblem ?? "no bouncer key");
      this.client = { key, client: new LapiClient(access) };
      this.needStartup = true;
    }
    const client = this.client.client;
    let changed = false;
    try {
      const delta = await client.stream(this.needStartup);
      changed = delta.changed || this.needStartup;
      this.needStartup = false;
    } catch (error) {
      this.needStartup = true; // LAPI restarted or unreachable: start the stream afresh when it is back
      if (/HTTP 403|HTTP 401/.test((error as Error).message)) {
        // LAPI no longer knows the key (its database was recreated): register the bouncer again.
        if (this.client.client.access.mode === "local") forgetManagedBouncerKey(this.options.crowdsec);
        this.client = null;
      }
      return this.markStale((error as Error).message);
    }
    const due = force || changed || this.pendingApply || Date.now() - this.lastFullAt >= this.options.resyncMs;
    if (!due) return;
    let set: DecisionSet;
    try {
      set = classifyDecisions(await client.active());
    } catch (error) {
      this.needStartup = true;
      return this.markStale((error as Error).message);
    }
    if (missing) {
      // Nothing to enforce with: listed (every replica's Decisions page) and said on the card, not drift.
      this.failures = 0;
      this.lastFullAt = Date.now();
      Object.assign(this.state, stateCounts(set), { syncedAt: new Date().toISOString(), stale: null });
      await this.persist(set.decisions);
      return;
    }
    await this.enforce(set);
  }

  private async enforce(set: DecisionSet): Promise<void> {
    // An id's expiry never changes in LAPI: keep the first one computed, so a resync does not rewrite every row.
    const known = new Map<number, Date>();
    for (const d of set.decisions) {
      const first = this.expiries.get(d.id);
      if (first && Math.abs(first.getTime() - d.expiresAt.getTime()) < 5_000) d.expiresAt = first;
      known.set(d.id, d.expiresAt);
    }
    this.expiries = known;
    let report: BlocklistApplyReport;
    try {
      report = await applyBlocklist(this.options.edge, set.entries, { holder: `panel pid ${process.pid} applying the blocklist` });
    } catch (error) {
      this.pendingApply = true;
      this.markStale(`the blocklist could not be applied: ${(error as Error).message}`);
      await this.persist(set.decisions);
      return;
    }
    this.pendingApply = false;
    this.failures = 0;
    this.lastFullAt = Date.now();
    this.served = new Set(set.entries);
    const staleSince = this.state.stale?.since ?? null;
    const recovered = staleSince !== null;
    if (recovered) log.info({ event: "blocklist.recovered", staleSince }, "the decision loop synced again: the blocklist is current");
    this.state = {
      crowdsecEnabled: true,
      edgeMissing: null,
      syncedAt: new Date().toISOString(),
      stale: null,
      ...stateCounts(set),
      written: { generation: report.generation, count: report.count, hash: report.hash, action: report.action, at: new Date().toISOString() },
    };
    if (report.action !== "unchanged") {
      this.announce();
      log.info(
        { event: "blocklist.applied", action: report.action, generation: report.generation, count: report.count, ms: report.ms, notEnforced: set.notEnforced },
        "blocklist applied to the edge",
      );
    }
    if (recovered && report.action === "unchanged") this.announce();
    await this.persist(set.decisions);
  }

  /** CrowdSec is off: the edge enforces no decisions (an empty blocklist), and the state says so. */
  private async off(): Promise<void> {
    const wasOn = this.state.crowdsecEnabled || this.state.written === null || this.pendingApply;
    this.client = null;
    this.needStartup = true;
    if (!wasOn) return;
    try {
      const report = await applyBlocklist(this.options.edge, [], { holder: `panel pid ${process.pid} clearing the blocklist (CrowdSec off)` });
      this.pendingApply = false;
      this.failures = 0;
      this.expiries.clear();
      this.served.clear();
      this.state = offState(report);
      await this.persist([]);
    } catch (error) {
      this.pendingApply = true;
      this.markStale(`CrowdSec is off but the blocklist could not be emptied: ${(error as Error).message}`);
    }
  }

  private async persist(decisions: ClassifiedDecision[] | null): Promise<void> {
    if (!this.options.persist) return;
    try {
      await this.options.persist(decisions, this.status());
    } catch (error) {
      log.error({ event: "blocklist.persist_failed", err: error }, "could not persist the active decisions: other replicas show an older set");
    }
  }
}
