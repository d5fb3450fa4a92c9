import { describe, expect, it } from "vitest";
import type { RuntimeObservation } from "@/lib/engine/drivers";
import type { DriftReport, Surface, SurfaceSnapshot, Verdict } from "@/lib/drift/drift-report";
import { DRIFT_SNAPSHOT_STALE_MS, driftPill, enginePill } from "./header-pills";

// The header pills answer "is what I see true?" on every page: they must never be green on data
// that is not current, and never colour alone.

const snapshot = (surface: Surface, verdict: Verdict): SurfaceSnapshot => ({
  surface,
  verdict,
  differences: [],
  expected: null,
  actual: null,
  reason: verdict === "cannot_verify" ? "not readable" : null,
  since: null,
  checkedAt: "2025-03-01T12:00:00.000Z",
});
const report = (verdicts: Partial<Record<Surface, Verdict>> = {}, ageMs: number | null = 1_000): DriftReport => {
  const surfaces = Object.fromEntries(
    (["engine", "scenarios", "appsec", "store"] as const).map((s) => [s, snapshot(s, verdicts[s] ?? "in_sync")]),
  ) as DriftReport["surfaces"];
  return { surfaces, drift: false, cannotVerify: false, checkedAt: "2025-03-01T12:00:00.000Z", ageMs };
};
const fresh = { pollError: null, fetchedAt: 1_000_000, now: 1_000_000 };

describe("driftPill", () => {
  it("in sync / N surfaces drifted / cannot verify", () => {
    expect(driftPill(report(), fresh)).toMatchObject({ word: "in sync", tone: "green" });
    expect(driftPill(report({ scenarios: "drift" }), fresh)).toMatchObject({ word: "1 surface drifted", tone: "amber" });
    expect(driftPill(report({ scenarios: "drift", appsec: "drift", engine: "cannot_verify" }), fresh)).toMatchObject({
      word: "2 surfaces drifted",
      tone: "amber",
    });
    expect(driftPill(report({ engine: "cannot_verify" }), fresh)).toMatchObject({ word: "cannot verify", tone: "red" });
  });

  it("stale when the poll failed (the last snapshot is kept) or the detector stopped checking", () => {
    expect(driftPill(report(), { ...fresh, pollError: "HTTP 503" })).toMatchObject({ word: "stale", tone: "grey" });
    expect(driftPill(report({}, DRIFT_SNAPSHOT_STALE_MS + 1), fresh).word).toBe("stale");
    // The age grows in the browser between polls: a snapshot 4 min old, fetched 2 min ago.
    expect(driftPill(report({}, 4 * 60_000), { ...fresh, now: fresh.fetchedAt + 2 * 60_000 }).word).toBe("stale");
    expect(driftPill(report({}, 30_000), { ...fresh, now: fresh.fetchedAt + 10_000 }).word).toBe("in sync");
  });

  it("before the first answer: checking, or unknown when it failed", () => {
    expect(driftPill(undefined, fresh).word).toBe("checking…");
    expect(driftPill(undefined, { ...fresh, pollError: "offline" }).word).toBe("unknown");
  });
});

describe("enginePill", () => {
  const runtime = (state: RuntimeObservation["state"]): RuntimeObservation => ({
    protection: "crowdsec",
    state,
    summary: "CrowdSec is " + state,
    observedAt: "2025-03-01T12:00:00.000Z",
  });
  it("the runtime row's word, lower case, with its colour", () => {
    expect(enginePill(runtime("running"), null)).toMatchObject({ word: "running", tone: "green" });
    expect(enginePill(runtime("not_installed"), null)).toMatchObject({ word: "not installed" });
    expect(enginePill(runtime("failed"), null)).toMatchObject({ word: "failed", tone: "red" });
  });
  it("a failed refresh keeps the last word and says stale", () => {
    expect(enginePill(runtime("running"), "HTTP 500")).toMatchObject({ word: "running (stale)", tone: "grey" });
    expect(enginePill(undefined, null).word).toBe("checking…");
  });
  it("while the schema is degraded it says the state is not read, never 'checking…'", () => {
    expect(enginePill(undefined, null, true)).toMatchObject({ word: "not read", tone: "grey", title: expect.stringContaining("schema is degraded") });
    expect(enginePill(runtime("running"), "HTTP 503", true)).toMatchObject({ word: "running (stale)", tone: "grey" });
  });
  it("a settling runtime is neither drift nor green", () => {
    const snap = (verdict: "in_sync" | "settling") => ({
      surface: "engine" as const,
      verdict,
      differences: [],
      expected: null,
      actual: null,
      reason: verdict === "settling" ? "CrowdSec is being brought to version 2" : null,
      since: null,
      checkedAt: "2025-03-01T12:00:00.000Z",
    });
    const report = {
      surfaces: {
        engine: snap("settling"),
        scenarios: snap("in_sync"),
        appsec: snap("in_sync"),
        edge: snap("in_sync"),
        blocklist: snap("in_sync"),
        store: snap("in_sync"),
      },
      drift: false,
      cannotVerify: false,
      checkedAt: "2025-03-01T12:00:00.000Z",
      ageMs: 0,
    };
    expect(driftPill(report, { pollError: null, fetchedAt: 0, now: 0 })).toMatchObject({
      word: "settling…",
      tone: "grey",
      title: expect.stringContaining("version 2"),
    });
  });
});
