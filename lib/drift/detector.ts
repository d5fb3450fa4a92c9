import "server-only";
import type { Db } from "../db";
import type { Engine } from "../engine/engine";
import type { RuntimeDriver, RuntimeSurface } from "../engine/drivers";
import { log } from "../log";
import { checkStoreConsistency } from "../security/consistency";
import { intentEvents } from "../security/intent-events";
import type { SecurityIntent } from "../security/intent";
import type { DriftSettings } from "./drift-settings";
import { RuntimeWatches } from "./runtime-watches";
import { buildReport, loadSnapshots, persistSnapshots, unknownSnapshot } from "./snapshots";
import { compareStore } from "./surfaces/store-surface";
import { SURFACES, type DriftReport, type Surface, type SurfaceSnapshot } from "./drift-report";
import { readIntent } from "../security/intent-store";

// The drift detector (ADR 007): it reads the runtime — never trusts a click — and keeps
// one snapshot per surface, in memory and in `drift_snapshots`. It only reads (docs/architecture.md): each
// runtime surface belongs to one of the engine's runtime drivers, which renders what the intent
// needs, observes what is there and diffs the two; the store surface compares the panel's two
// stored copies. It writes nothing but its snapshot. It checks right after start (which happens
// after the schema gate), on an interval, and on events: a debounced watch on the paths each driver
// names, the engine's process events, and every intent commit. While the schema is degraded it
// pauses (WARN), since it reads tables that may be missing. `GET /api/security/drift` only ever
// reads the snapshot.

export interface DetectorDeps {
  db: Db;
  engine: Engine;
  settings: DriftSettings;
  /** Is the schema fit to read? (the migration gate); checks pause while it is not. */
  schemaOk?: () => Promise<{ ok: boolean; reason: string }>;
}

type Partial = Omit<SurfaceSnapshot, "since" | "checkedAt" | "surface">;

/** Unchanged verdicts are written back to `drift_snapshots` (for their checkedAt) at most this often. */
const PERSIST_UNCHANGED_MS = 30_000;
// While a runtime settles, its surfaces are checked again this often (an apply usually ends within a few s).
const SETTLE_RECHECK_MS = 500;

export class DriftDetector {
  private snapshots = new Map<Surface, SurfaceSnapshot>();
  private pending = new Set<Surface>();
  private debounce: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private watches = new RuntimeWatches();
  private unsubscribers: (() => void)[] = [];
  private paused = false;
  private stopped = false;
  private settleTimer: NodeJS.Timeout | null = null;
  private loaded = false;
  private persistedAt = 0;
  private settling = new Set<Surface>();
  /** Checks performed (tests and the bench read it). */
  checks = 0;

  constructor(private readonly deps: DetectorDeps) {}

  /** Loads the persisted snapshots, starts the triggers and checks now. */
  async start(): Promise<void> {
    await this.load();
    const s = this.deps.settings;
    this.timers.push(setInterval(() => void this.request(SURFACES), s.intervalMs));
    // The processes (the agent, the edge's nginx) on the short interval: a death is seen within it even
    // when no exit event reaches this process (a runtime adopted from an earlier panel).
    this.timers.push(setInterval(() => void this.request(["engine", "edge"]), s.engineIntervalMs));
    for (const t of this.timers) t.unref?.();
    const onCommit = () => void this.request(SURFACES);
    intentEvents.on("committed", onCommit);
    this.unsubscribers.push(() => intentEvents.off("committed", onCommit));
    const off = this.deps.engine.drivers.crowdsec.onEvent?.(() => void this.request(["engine"]));
    if (off) this.unsubscribers.push(off);
    const offEdge = this.deps.engine.drivers.waf.onEvent?.(() => void this.request(["edge"]));
    if (offEdge) this.unsubscribers.push(offEdge);
    const offBlocklist = this.deps.engine.decisions.onApplied(() => void this.request(["blocklist"]));
    this.unsubscribers.push(offBlocklist);
    await this.request(SURFACES);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.debounce) clearTimeout(this.debounce);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
    this.watches.close();
    for (const w of this.waiters.splice(0)) w();
  }

  /** The current snapshot of every surface (never recomputed here). */
  report(now = Date.now()): DriftReport {
    return {
      ...buildReport(
        SURFACES.map((s) => this.snapshots.get(s) ?? unknownSnapshot(s)),
        now,
      ),
      intervalMs: this.deps.settings.intervalMs,
    };
  }

  /** Asks for a check of `surfaces` (debounced); resolves after the check that covers them. */
  request(surfaces: readonly Surface[]): Promise<void> {
    if (this.stopped) return Promise.resolve();
    for (const s of surfaces) this.pending.add(s);
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (!this.debounce && !this.running) {
      this.debounce = setTimeout(() => {
        this.debounce = null;
        void this.drain();
      }, this.deps.settings.debounceMs);
      this.debounce.unref?.();
    }
    return done;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = (async () => {
      while (this.pending.size && !this.stopped) {
        const surfaces = [...this.pending];
        this.pending.clear();
        const waiters = this.waiters.splice(0);
        try {
          await this.check(surfaces);
        } catch (error) {
          log.error({ event: "drift_check_failed", source: "lib/drift", surfaces, err: error }, "drift check failed");
        }
        for (const w of waiters) w();
      }
    })().finally(() => {
      this.running = null;
      if (this.pending.size && !this.stopped) void this.drain();
    });
    await this.running;
  }

  /** One check of the given surfaces, now. */
  async check(surfaces: readonly Surface[] = SURFACES): Promise<void> {
    const gate = (await this.deps.schemaOk?.()) ?? { ok: true, reason: "" };
    if (!gate.ok) {
      if (!this.paused) log.warn({ event: "drift_paused", source: "lib/drift", reason: gate.reason }, "drift checks paused: the schema is degraded");
      this.paused = true;
      return;
    }
    if (this.paused) log.info({ event: "drift_resumed", source: "lib/drift" }, "drift checks resumed: the schema is healthy");
    this.paused = false;
    this.checks += 1;
    let intent: SecurityIntent | null = null;
    let intentError = "";
    try {
      intent = await readIntent(this.deps.db);
    } catch (error) {
      intentError = (error as Error).message;
    }
    const results: [Surface, Partial][] = [];
    for (const surface of surfaces) {
      let result: Partial;
      if (!intent) {
        // Never keep serving an old "in sync" when the comparison could not be made.
        result = cannotVerify(`the panel's intent could not be read: ${intentError}`);
      } else {
        try {
          result = await this.compute(surface, intent);
        } catch (error) {
          result = cannotVerify(`checking it failed: ${(error as Error).message}`);
        }
      }
      results.push([surface, result]);
    }
    const now = new Date().toISOString();
    const changed: SurfaceSnapshot[] = [];
    for (const [surface, r] of results) {
      const previous = this.snapshots.get(surface);
      const same =
        previous && previous.verdict === r.verdict && JSON.stringify(previous.differences) === JSON.stringify(r.differences) && previous.reason === r.reason;
      const since = r.verdict === "in_sync" ? null : previous && previous.verdict === r.verdict && previous.since ? previous.since : now;
      const snapshot: SurfaceSnapshot = { surface, ...r, since, checkedAt: now };
      this.snapshots.set(surface, snapshot);
      if (!same) {
        changed.push(snapshot);
        const fields = { event: "drift_verdict", source: "lib/drift", surface, verdict: r.verdict, differences: r.differences.length, reason: r.reason };
        if (r.verdict === "in_sync") log.info(fields, `drift: ${surface} matches the intent`);
        else if (r.verdict === "settling") log.info(fields, `drift: ${surface} is settling (${r.reason})`);
        else log.warn(fields, r.verdict === "drift" ? `drift: ${surface} does not match the intent` : `drift: ${surface} cannot be verified`);
      }
    }
    // Persist what changed at once; unchanged verdicts only refresh their checkedAt in the table every
    // PERSIST_UNCHANGED_MS (a commit costs an fsync; readers of the table only need a recent checkedAt).
    const refresh = Date.now() - this.persistedAt > PERSIST_UNCHANGED_MS;
    await persistSnapshots(this.deps.db, refresh ? results.map(([s]) => this.snapshots.get(s)!) : changed);
    if (refresh) this.persistedAt = Date.now();
    this.ensureWatchers();
  }

  private async compute(surface: Surface, intent: SecurityIntent): Promise<Partial> {
    if (surface === "store") return compareStore(await checkStoreConsistency(this.deps.db));
    const driver = this.driverOf(surface);
    const desired = await driver.render(intent);
    const observed = await driver.observe(intent);
    return this.unlessSettling(surface, driver, driver.diff(desired, observed, intent));
  }

  private driverOf(surface: RuntimeSurface): RuntimeDriver {
    const driver = this.deps.engine.runtimes.find((d) => d.surface === surface);
    if (!driver) throw new Error(`no runtime driver answers for the ${surface} surface`);
    return driver;
  }

  /**
   * Why a driver's runtime is settling (the panel is starting, stopping or adopting it: boot
   * reconciliation, or an apply of its protection under way for less than the driver's settle time), or null.
   */
  private settlingReason(driver: RuntimeDriver): string | null {
    const settleMs = driver.settleMs ?? 0;
    for (const protection of driver.appliedBy ?? [driver.protection]) {
      const applier = this.deps.engine.appliers[protection];
      if (applier.inFlight !== null && applier.inFlightSince !== null && Date.now() - applier.inFlightSince < settleMs) {
        return `${driver.name}: being brought to version ${applier.inFlight} of the intent; judged again when that ends (at most ${Math.round(settleMs / 1000)} s).`;
      }
    }
    if (this.deps.engine.reconciling && settleMs > 0)
      return `${driver.name}: the panel is reconciling it with the intent after its start; judged again when that ends.`;
    return null;
  }

  /**
   * A difference seen while the runtime settles is not drift yet, and a runtime that cannot be read
   * because the panel is creating it (the instance's marker not written yet) is not "cannot verify"
   * yet: both are reported as settling and checked again soon. What outlives the settle time is reported.
   */
  private unlessSettling(surface: Surface, driver: RuntimeDriver, result: Partial): Partial {
    if (result.verdict !== "drift" && result.verdict !== "cannot_verify") return result;
    const reason = this.settlingReason(driver);
    if (!reason) return result;
    this.settling.add(surface);
    this.scheduleSettledCheck();
    const seen = result.verdict === "drift" ? { differences: result.differences.length } : { unreadable: result.reason };
    return { verdict: "settling", differences: [], expected: result.expected, actual: { ...result.actual, ...seen }, reason };
  }

  /** Re-checks the settling surfaces shortly, so drift that outlives the apply is reported promptly. */
  private scheduleSettledCheck(): void {
    if (this.settleTimer || this.stopped) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      const surfaces = [...this.settling];
      this.settling.clear();
      void this.request(surfaces);
    }, SETTLE_RECHECK_MS);
    this.settleTimer.unref?.();
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    await loadSnapshots(this.deps.db, this.snapshots);
  }

  /** Watches the paths each runtime driver names (runtime-watches.ts); a change asks for a check of its surface. */
  private ensureWatchers(): void {
    if (!this.deps.settings.watch || this.stopped) return;
    const targets: [string, readonly Surface[]][] = this.deps.engine.runtimes.flatMap((d) =>
      (d.watchPaths?.() ?? []).map((p): [string, readonly Surface[]] => [p, [d.surface]]),
    );
    this.watches.ensure(targets, (surfaces) => void this.request(surfaces));
  }
}

function cannotVerify(reason: string): Partial {
  return { verdict: "cannot_verify", differences: [], expected: null, actual: null, reason };
}
