import "server-only";
import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Db } from "../db";
import type { DriftSnapshot as DriftSnapshotRow } from "../generated/sqlite/client";
import type { Engine } from "../engine/registry";
import type { RuntimeDriver, RuntimeSurface } from "../engine/types";
import { log } from "../log";
import { checkStoreConsistency } from "../security/consistency";
import { intentEvents } from "../security/events";
import type { SecurityIntent } from "../security/intent";
import { readIntent } from "../security/store";
import type { DriftSettings } from "./settings";
import { compareStore } from "./surfaces/store";
import { SURFACES, type DriftReport, type Surface, type SurfaceSnapshot } from "./types";

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
  private watchers = new Map<string, { watcher: FSWatcher; watched: string; ino: number | null }>();
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
    this.timers.push(setInterval(() => void this.request(["engine"]), s.engineIntervalMs));
    for (const t of this.timers) t.unref?.();
    const onCommit = () => void this.request(SURFACES);
    intentEvents.on("committed", onCommit);
    this.unsubscribers.push(() => intentEvents.off("committed", onCommit));
    const off = this.deps.engine.drivers.crowdsec.onEvent?.(() => void this.request(["engine"]));
    if (off) this.unsubscribers.push(off);
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
    for (const w of this.watchers.values()) w.watcher.close();
    this.watchers.clear();
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
    await this.persist(refresh ? results.map(([s]) => this.snapshots.get(s)!) : changed);
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
    const applier = this.deps.engine.appliers[driver.protection];
    const settleMs = driver.settleMs ?? 0;
    if (applier.inFlight !== null && applier.inFlightSince !== null && Date.now() - applier.inFlightSince < settleMs) {
      return `${driver.name}: being brought to version ${applier.inFlight} of the intent; judged again when that ends (at most ${Math.round(settleMs / 1000)} s).`;
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
    try {
      const rows = await this.deps.db.driftSnapshot.findMany();
      for (const r of rows) {
        if (!(SURFACES as readonly string[]).includes(r.surface)) continue;
        this.snapshots.set(r.surface as Surface, snapshotFromRow(r));
      }
    } catch (error) {
      log.warn(
        { event: "drift_load_failed", source: "lib/drift", reason: (error as Error).message },
        "could not read the persisted drift snapshots; starting empty",
      );
    }
  }

  private async persist(snapshots: SurfaceSnapshot[]): Promise<void> {
    if (!snapshots.length) return;
    try {
      await this.deps.db.$transaction(
        snapshots.map((s) => {
          const data = {
            status: s.verdict,
            expected: s.expected ? JSON.stringify(s.expected) : null,
            actual: s.actual ? JSON.stringify(s.actual) : null,
            differences: JSON.stringify(s.differences),
            reason: s.reason,
            since: s.since ? new Date(s.since) : null,
            checkedAt: new Date(s.checkedAt),
          };
          return this.deps.db.driftSnapshot.upsert({ where: { surface: s.surface }, create: { surface: s.surface, ...data }, update: data });
        }),
      );
    } catch (error) {
      log.warn({ event: "drift_persist_failed", source: "lib/drift", reason: (error as Error).message }, "could not persist drift snapshots (kept in memory)");
    }
  }

  // ---- file watches -------------------------------------------------------------------------
  // fs.watch on a directory sees entries created, removed or renamed in it. A watched directory can
  // itself be removed or replaced (the runtime dir deleted, a config tool swapping dirs): after every
  // check each watch is re-armed if its directory's inode changed, and a missing directory is
  // watched through its nearest existing parent, so its re-creation triggers a check too.

  private ensureWatchers(): void {
    if (!this.deps.settings.watch || this.stopped) return;
    const targets: [string, readonly Surface[]][] = this.deps.engine.runtimes.flatMap((d) =>
      (d.watchPaths?.() ?? []).map((p): [string, readonly Surface[]] => [p, [d.surface]]),
    );
    for (const [target, surfaces] of targets) {
      const watched = nearestExisting(target);
      const ino = inode(watched);
      const current = this.watchers.get(target);
      if (current && current.watched === watched && current.ino === ino) continue;
      current?.watcher.close();
      if (!watched) {
        this.watchers.delete(target);
        continue;
      }
      try {
        const watcher = watch(watched, { persistent: false }, () => void this.request(surfaces));
        watcher.on("error", () => {
          watcher.close();
          this.watchers.delete(target);
          void this.request(surfaces);
        });
        this.watchers.set(target, { watcher, watched, ino });
      } catch (error) {
        log.warn(
          { event: "drift_watch_failed", source: "lib/drift", dir: watched, reason: (error as Error).message },
          "cannot watch a runtime directory; the ticker still checks it",
        );
      }
    }
  }
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d)) {
    const parent = path.dirname(d);
    if (parent === d) return d;
    d = parent;
  }
  return d;
}

function inode(p: string): number | null {
  try {
    return statSync(p).ino;
  } catch {
    return null;
  }
}

function cannotVerify(reason: string): Partial {
  return { verdict: "cannot_verify", differences: [], expected: null, actual: null, reason };
}

/** A `drift_snapshots` row as the snapshot it persisted. */
export function snapshotFromRow(r: DriftSnapshotRow): SurfaceSnapshot {
  return {
    surface: r.surface as Surface,
    verdict: r.status as SurfaceSnapshot["verdict"],
    differences: JSON.parse(r.differences) as SurfaceSnapshot["differences"],
    expected: r.expected ? (JSON.parse(r.expected) as Record<string, unknown>) : null,
    actual: r.actual ? (JSON.parse(r.actual) as Record<string, unknown>) : null,
    reason: r.reason,
    since: r.since?.toISOString() ?? null,
    checkedAt: r.checkedAt.toISOString(),
  };
}

function unknownSnapshot(surface: Surface): SurfaceSnapshot {
  return {
    surface,
    verdict: "cannot_verify",
    differences: [],
    expected: null,
    actual: null,
    reason: "not checked yet",
    since: null,
    checkedAt: new Date(0).toISOString(),
  };
}

export function buildReport(snapshots: SurfaceSnapshot[], now = Date.now()): DriftReport {
  const surfaces = Object.fromEntries(snapshots.map((s) => [s.surface, s])) as Record<Surface, SurfaceSnapshot>;
  const checked = snapshots.map((s) => Date.parse(s.checkedAt)).filter((t) => t > 0);
  const checkedAt = checked.length ? new Date(Math.min(...checked)).toISOString() : null;
  return {
    surfaces,
    drift: snapshots.some((s) => s.verdict === "drift"),
    cannotVerify: snapshots.some((s) => s.verdict === "cannot_verify"),
    checkedAt,
    ageMs: checkedAt ? Math.max(0, now - Date.parse(checkedAt)) : null,
  };
}
