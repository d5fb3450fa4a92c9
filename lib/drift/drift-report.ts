// Drift: what the runtime actually has, compared with the stored intent, per surface
// (ADR 007). This module is shared by server and browser: it holds
// no server code (the runtime readers live with their drivers in lib/engine; the store compare in lib/drift/surfaces/).

export const SURFACES = ["engine", "scenarios", "appsec", "edge", "blocklist", "store"] as const;
export type Surface = (typeof SURFACES)[number];

/**
 * `in_sync`: observed, and it matches the intent. `drift`: observed, and it differs.
 * `cannot_verify`: nothing could be observed (a file is missing, a runtime is not installed): never
 * shown as green, never as drift. `settling`: it differs while the panel is starting, stopping or
 * adopting that runtime (an apply under way, bounded by its readiness timeout): not drift yet, not green
 * either; judged again as soon as the apply ends.
 */
export type Verdict = "in_sync" | "drift" | "cannot_verify" | "settling";

/** One thing that differs, worded for an admin, e.g. {item:"scenario crowdsecurity/ssh-bf", expected:"disabled", actual:"enabled"}. */
export interface Difference {
  item: string;
  expected: string;
  actual: string;
}

export interface SurfaceSnapshot {
  surface: Surface;
  verdict: Verdict;
  /** Empty unless `drift`. */
  differences: Difference[];
  /** Small summaries (counts etc.), never 5,000-item lists. */
  expected: Record<string, unknown> | null;
  actual: Record<string, unknown> | null;
  /** `cannot_verify`: why, in one sentence; null otherwise. */
  reason: string | null;
  /** ISO: when the current drift / cannot_verify began (kept by the detector); null when in sync. */
  since: string | null;
  /** ISO: when this surface was checked. */
  checkedAt: string;
}

/** What a pure surface comparison returns; the detector adds `since` and `checkedAt` (see toSnapshot). */
export type SurfaceCheck = Omit<SurfaceSnapshot, "since" | "checkedAt">;

export interface DriftReport {
  surfaces: Record<Surface, SurfaceSnapshot>;
  /** Some surface is in drift. */
  drift: boolean;
  /** Some surface cannot be verified. */
  cannotVerify: boolean;
  /** The oldest surface check (the report is as stale as its stalest part); null before any check. */
  checkedAt: string | null;
  /** now − checkedAt when the report was built; null before any check. */
  ageMs: number | null;
  /** The detector's full-check interval (WARDEN_DRIFT_INTERVAL_MS), so a client can tell "stale" from "between two ticks". */
  intervalMs?: number;
}

/** The UI tabs a surface's state is shown on. */
export const DRIFT_TABS = ["overview", "scenarios", "appsec"] as const;
export type DriftTab = (typeof DRIFT_TABS)[number];

export const SURFACE_TAB: Record<Surface, DriftTab> = {
  engine: "overview",
  scenarios: "scenarios",
  appsec: "appsec",
  // The edge is the WAF's runtime (and, later, the rate limits'): its state sits beside the WAF's settings.
  edge: "appsec",
  // CrowdSec's decisions at the edge: beside the CrowdSec card.
  blocklist: "overview",
  store: "overview",
};

/**
 * The tabs that get a dot: those showing a surface whose verdict is one of `verdicts` (by default
 * drift and cannot_verify: both need a look, neither is green). In DRIFT_TABS order, each once.
 */
export function affectedTabs(report: Pick<DriftReport, "surfaces">, verdicts: readonly Verdict[] = ["drift", "cannot_verify"]): DriftTab[] {
  const hit = new Set<DriftTab>();
  for (const s of SURFACES) {
    const snap = report.surfaces[s];
    if (snap && verdicts.includes(snap.verdict)) hit.add(SURFACE_TAB[s]);
  }
  return DRIFT_TABS.filter((t) => hit.has(t));
}

/**
 * A check made into a snapshot at `now`. `since` carries over from `previous` while the verdict
 * stays the same non-green one (the same drift or the same cannot_verify goes on); it restarts when
 * the verdict changes and is null when in sync.
 */
export function toSnapshot(check: SurfaceCheck, previous: SurfaceSnapshot | null, now: Date): SurfaceSnapshot {
  const checkedAt = now.toISOString();
  let since: string | null = null;
  if (check.verdict !== "in_sync") {
    since = previous && previous.verdict === check.verdict && previous.since ? previous.since : checkedAt;
  }
  return { ...check, since, checkedAt };
}

/** The report over one snapshot per surface. */
export function buildReport(surfaces: Record<Surface, SurfaceSnapshot>, now: Date): DriftReport {
  let oldest: number | null = null;
  let oldestIso: string | null = null;
  let drift = false;
  let cannotVerify = false;
  for (const s of SURFACES) {
    const snap = surfaces[s];
    if (snap.verdict === "drift") drift = true;
    if (snap.verdict === "cannot_verify") cannotVerify = true;
    const t = Date.parse(snap.checkedAt);
    if (Number.isFinite(t) && (oldest === null || t < oldest)) {
      oldest = t;
      oldestIso = snap.checkedAt;
    }
  }
  return {
    surfaces,
    drift,
    cannotVerify,
    checkedAt: oldestIso,
    ageMs: oldest === null ? null : Math.max(0, now.getTime() - oldest),
  };
}
