import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "../db";
import { DEFAULT_CROWDSEC_SETTINGS } from "../engine/crowdsec/settings";
import { createEngine, type Engine } from "../engine/engine";
import { edgeSettingsFrom } from "../engine/edge/settings";
import { log } from "../log";
import { cleanupTempDirs, freshSqliteUrl, tempDir } from "../../test/support/databases";
import { FakeCrowdsecDriver } from "../../test/support/fake-driver";
import { reconcile } from "../reconcile/reconciler";
import { createSite } from "../sites/site-store";
import { deferred } from "../../test/support/wait";
import { DriftDetector } from "./detector";
import type { DriftSettings } from "./drift-settings";

// The detector's own behaviour over a real SQLite file, without an agent (FakeCrowdsecDriver, a named
// fake, stands for the engine): a fresh install is in sync, a degraded schema pauses it loudly, events
// are debounced. lib/drift/detector.agent.test.ts runs it against a real CrowdSec instance.

const open: { detector: DriftDetector; engine: Engine; db: Db }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.detector.stop();
    o.engine.close();
    await o.db.$disconnect();
  }
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(() => cleanupTempDirs());

async function setup(
  schemaOk?: () => Promise<{ ok: boolean; reason: string }>,
  { readyTimeoutMs = DEFAULT_CROWDSEC_SETTINGS.readyTimeoutMs, driver = new FakeCrowdsecDriver() } = {},
) {
  const db = createDb(await freshSqliteUrl());
  const dir = tempDir("warden-drift-");
  const crowdsec = { ...DEFAULT_CROWDSEC_SETTINGS, instanceDir: path.join(dir, "crowdsec"), readyTimeoutMs };
  // The edge's packages are named missing (a path that does not exist): its surface must hold without them.
  const edge = edgeSettingsFrom({ instanceDir: path.join(dir, "edge"), bin: path.join(dir, "no-nginx") });
  const engine = createEngine(db, { drivers: { crowdsec: driver }, crowdsec, edge, waf: { tuningFile: path.join(dir, "waf", "crs-tuning.conf") } });
  const settings: DriftSettings = { intervalMs: 3_600_000, engineIntervalMs: 3_600_000, watch: false, debounceMs: 50 };
  const detector = new DriftDetector({ db, engine, settings, schemaOk });
  open.push({ detector, engine, db });
  return { db, detector, settings, engine, driver };
}

/** CrowdSec switched on in the stored intent (the runtime is not told). */
async function wantCrowdsec(db: Db): Promise<void> {
  const v = (await db.securityConfig.findUniqueOrThrow({ where: { id: 1 } })).crowdsecVersion;
  const { toggleProtection } = await import("../security/intent-store");
  await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: v }, { actor: "admin" });
}

describe("drift detector", () => {
  it("a fresh install (CrowdSec never enabled, no instance, no edge packages) is in sync on every surface once the boot reconcile rendered the tuning file", async () => {
    const { detector, db, engine } = await setup();
    const tally = await reconcile(db, engine, "boot");
    expect(tally.decisions.find((d) => d.protection === "waf")).toMatchObject({ observed: "not_installed", action: "render", result: "ok" });
    await detector.start();
    const report = detector.report();
    expect(Object.fromEntries(Object.entries(report.surfaces).map(([k, v]) => [k, v.verdict]))).toEqual({
      engine: "in_sync",
      scenarios: "in_sync",
      appsec: "in_sync",
      edge: "in_sync",
      blocklist: "in_sync",
      store: "in_sync",
    });
    expect(report.surfaces.scenarios.actual).toEqual({ instance: "not created" });
    expect(report.drift).toBe(false);
    expect(report.ageMs).toBeGreaterThanOrEqual(0);
    expect((await db.driftSnapshot.findMany()).length).toBe(6);
  });

  it("once CrowdSec is wanted, a missing instance is 'cannot verify' with the reason", async () => {
    const { detector, db } = await setup();
    await detector.start();
    const v = (await db.securityConfig.findUniqueOrThrow({ where: { id: 1 } })).crowdsecVersion;
    const { toggleProtection } = await import("../security/intent-store");
    await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: v }, { actor: "admin" });
    await vi.waitFor(() => expect(detector.report().surfaces.scenarios.verdict).toBe("cannot_verify"), { timeout: 2_000 });
    expect(detector.report().surfaces.scenarios.reason).toMatch(/does not exist yet/);
  });

  it("while the schema is degraded it checks nothing and says so once at WARN", async () => {
    const warn = vi.spyOn(log, "warn");
    const { detector } = await setup(async () => ({ ok: false, reason: "Pending: 1 migration not applied" }));
    await detector.start();
    await detector.request(["engine"]);
    expect(detector.checks).toBe(0);
    expect(warn.mock.calls.filter(([f]) => (f as { event?: string }).event === "drift_paused")).toHaveLength(1);
    expect(detector.report().surfaces.engine.verdict).toBe("cannot_verify");
  });

  it("a burst of events makes one check", async () => {
    const { detector } = await setup();
    await detector.start();
    const before = detector.checks;
    await Promise.all(Array.from({ length: 20 }, () => detector.request(["engine", "store"])));
    expect(detector.checks - before).toBe(1);
  });
});

describe("a runtime the panel is starting is settling, not drifting", () => {
  it("no drift (and no WARN) while the start is under way; in sync once it is up", async () => {
    const driver = new FakeCrowdsecDriver();
    const slow = driver.hold();
    const { db, detector, engine } = await setup(undefined, { driver });
    await detector.start();
    const warn = vi.spyOn(log, "warn");
    await wantCrowdsec(db);
    const applied = engine.appliers.crowdsec.request();
    await slow.started;
    await detector.check(["engine"]);
    const during = detector.report();
    expect(during.surfaces.engine).toMatchObject({ verdict: "settling", differences: [] });
    expect(during.surfaces.engine.reason).toMatch(/being brought to version 1/);
    expect(during.drift).toBe(false);
    slow.release();
    await applied;
    await vi.waitFor(() => expect(detector.report().surfaces.engine.verdict).toBe("in_sync"), { timeout: 3_000 });
    expect(
      warn.mock.calls.filter(
        ([f]) => (f as { event?: string; surface?: string }).event === "drift_verdict" && (f as { surface?: string }).surface === "engine",
      ),
    ).toEqual([]);
  });

  it("a runtime that never becomes ready shows its drift once the readiness timeout has passed, apply still running or not", async () => {
    const driver = new FakeCrowdsecDriver();
    const hung = driver.hold();
    driver.failures = ["never became ready (fake)"];
    const readyTimeoutMs = 300;
    const { db, detector, engine } = await setup(undefined, { driver, readyTimeoutMs });
    await detector.start();
    await wantCrowdsec(db);
    const applied = engine.appliers.crowdsec.request();
    await hung.started;
    await detector.check(["engine"]);
    expect(detector.report().surfaces.engine.verdict).toBe("settling");
    // The clock moves past the readiness timeout; the apply still hangs.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + readyTimeoutMs);
    await detector.check(["engine"]);
    expect(detector.report().surfaces.engine).toMatchObject({ verdict: "drift" });
    expect(detector.report().drift).toBe(true);
    vi.useRealTimers();
    hung.release();
    await applied;
  });

  it("the edge is settling while any applier that drives it runs: the rate limit's as well as the WAF's", async () => {
    const { db, detector, engine } = await setup();
    await detector.start();
    // An enabled site without the edge's packages: the edge cannot be verified.
    const site = { hosts: ["app.example"], upstream: "http://127.0.0.1:9001", tlsVerify: true, enabled: true, maxBodyBytes: 1_048_576, waf: "inherit" };
    await createSite(db, site, { actor: "admin" });
    await detector.check(["edge"]);
    expect(detector.report().surfaces.edge.verdict).toBe("cannot_verify");

    const applying = deferred();
    const held = engine.appliers.rate_limit.exclusive(() => applying.promise, 1);
    await detector.check(["edge"]);
    expect(detector.report().surfaces.edge).toMatchObject({ verdict: "settling", reason: expect.stringMatching(/being brought to version 1/) });
    applying.resolve();
    await held;
    await detector.check(["edge"]);
    expect(detector.report().surfaces.edge.verdict).toBe("cannot_verify");
  });
});
