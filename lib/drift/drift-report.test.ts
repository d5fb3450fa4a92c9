import { describe, expect, it } from "vitest";
import { affectedTabs, buildReport, SURFACES, toSnapshot, type Surface, type SurfaceCheck, type SurfaceSnapshot, type Verdict } from "./drift-report";

const snap = (surface: Surface, verdict: Verdict, checkedAt = "2025-01-01T00:00:00.000Z"): SurfaceSnapshot => ({
  surface,
  verdict,
  differences: [],
  expected: null,
  actual: null,
  reason: null,
  since: verdict === "in_sync" ? null : checkedAt,
  checkedAt,
});
const all = (verdicts: Partial<Record<Surface, Verdict>>) =>
  Object.fromEntries(SURFACES.map((s) => [s, snap(s, verdicts[s] ?? "in_sync")])) as Record<Surface, SurfaceSnapshot>;

describe("affectedTabs", () => {
  it("maps scenarios→scenarios, appsec→appsec, engine and store→overview, once each, in tab order", () => {
    expect(affectedTabs({ surfaces: all({}) })).toEqual([]);
    expect(affectedTabs({ surfaces: all({ scenarios: "drift" }) })).toEqual(["scenarios"]);
    expect(affectedTabs({ surfaces: all({ appsec: "cannot_verify" }) })).toEqual(["appsec"]);
    expect(affectedTabs({ surfaces: all({ engine: "drift", store: "drift" }) })).toEqual(["overview"]);
    expect(affectedTabs({ surfaces: all({ appsec: "drift", store: "drift", scenarios: "drift" }) })).toEqual(["overview", "scenarios", "appsec"]);
  });
  it("can be limited to drift", () => {
    expect(affectedTabs({ surfaces: all({ appsec: "cannot_verify", engine: "drift" }) }, ["drift"])).toEqual(["overview"]);
  });
});

describe("toSnapshot", () => {
  const check = (verdict: Verdict): SurfaceCheck => ({ surface: "appsec", verdict, differences: [], expected: null, actual: null, reason: null });
  const t0 = new Date("2025-01-01T00:00:00.000Z");
  const t1 = new Date("2025-01-01T00:01:00.000Z");

  it("starts `since` when a drift begins and keeps it while the same verdict goes on", () => {
    const first = toSnapshot(check("drift"), null, t0);
    expect(first).toMatchObject({ since: t0.toISOString(), checkedAt: t0.toISOString() });
    const second = toSnapshot(check("drift"), first, t1);
    expect(second).toMatchObject({ since: t0.toISOString(), checkedAt: t1.toISOString() });
  });
  it("restarts `since` on a verdict change, and clears it when in sync", () => {
    const drift = toSnapshot(check("drift"), null, t0);
    expect(toSnapshot(check("cannot_verify"), drift, t1).since).toBe(t1.toISOString());
    expect(toSnapshot(check("in_sync"), drift, t1).since).toBeNull();
  });
});

describe("buildReport", () => {
  it("flags drift and cannot_verify, and dates the report by its oldest check", () => {
    const surfaces = all({ engine: "drift", appsec: "cannot_verify" });
    surfaces.store = snap("store", "in_sync", "2024-12-31T23:59:00.000Z");
    const r = buildReport(surfaces, new Date("2025-01-01T00:00:30.000Z"));
    expect(r).toMatchObject({ drift: true, cannotVerify: true, checkedAt: "2024-12-31T23:59:00.000Z", ageMs: 90_000 });
    expect(buildReport(all({}), new Date("2025-01-01T00:00:00.000Z"))).toMatchObject({ drift: false, cannotVerify: false, ageMs: 0 });
  });
});
