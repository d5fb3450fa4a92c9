import { appendFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db";
import { changeSiteAndApply } from "../actions/sites/apply-site";
import { applyAll } from "../engine/apply-all";
import { type Engine } from "../engine/engine";
import { edgePaths } from "../engine/edge/settings";
import { createSite } from "../sites/site-store";
import { dropTestDatabases, migratedDatabase } from "../../test/support/databases";
import { waitFor } from "../../test/support/crowdsec";
import { cleanupAllEdgeFixtures, edgeEngine, edgeFixture, testUpstream, viaEdge, type EdgeFixture, type TestUpstream } from "../../test/support/edge";
import { DriftDetector } from "./detector";

// The edge as a drift surface, with a REAL nginx: a rendered file edited on disk and a master killed
// with SIGKILL are drift within a second (the file watch, the master's exit event), judged by reading
// the edge; Apply to runtime re-renders and reloads, and the surface is in sync again.

const ADMIN = { actor: "admin" };
let upstream: TestUpstream;
let db: Db;
let engine: Engine;
let detector: DriftDetector;
let fx: EdgeFixture;

beforeAll(async () => {
  upstream = await testUpstream();
});
afterEach(async () => {
  detector.stop();
  engine.close();
  await cleanupAllEdgeFixtures();
  await db.$disconnect();
});
afterAll(async () => {
  await upstream.close();
  await dropTestDatabases();
});

async function setup(provider: "sqlite" | "postgresql") {
  db = createDb(await migratedDatabase(provider));
  fx = await edgeFixture();
  // Self-heal off: a killed master stays dead, and that is drift until someone acts.
  engine = edgeEngine(db, fx.settings, { crowdsec: { selfHeal: false } });
  // The tickers are far away: only the watch and the exit event can make the deadline.
  detector = new DriftDetector({ db, engine, settings: { intervalMs: 3_600_000, engineIntervalMs: 3_600_000, watch: true, debounceMs: 50 } });
  await changeSiteAndApply(
    engine,
    db,
    createSite,
    { hosts: ["app.example"], upstream: upstream.url, tlsVerify: true, enabled: true, maxBodyBytes: 1_048_576, waf: "inherit" },
    ADMIN,
  );
  await detector.start();
  expect(detector.report().surfaces.edge).toMatchObject({ verdict: "in_sync" });
}

async function driftWithin(ms: number): Promise<number> {
  const t0 = performance.now();
  await waitFor(() => detector.report().surfaces.edge.verdict === "drift", ms, "edge drift", 10);
  return performance.now() - t0;
}

describe.each(["sqlite", "postgresql"] as const)("edge drift (%s)", (provider) => {
  it("a rendered file edited on disk is drift within 1 s; Apply to runtime re-renders it and the edge is in sync", async () => {
    await setup(provider);
    const file = path.join(edgePaths(fx.settings).confD, "site-1.conf");
    appendFileSync(file, "\n# edited by hand\n");
    await driftWithin(1_000);
    expect(detector.report().surfaces.edge.differences).toEqual([
      { item: "file conf.d/site-1.conf", expected: "as Warden wrote it", actual: "edited on disk" },
    ]);

    const report = await applyAll(engine, db, { actor: "admin" });
    expect(report.edge).toMatchObject({ action: "reloaded", generation: 2 });
    await detector.request(["edge"]);
    expect(detector.report().surfaces.edge).toMatchObject({ verdict: "in_sync", differences: [] });
  });

  it("the master killed with SIGKILL is drift within 1 s, named as not running; Apply starts it again", async () => {
    await setup(provider);
    const pid = (await engine.edge.observe()).pid!;
    process.kill(pid, "SIGKILL");
    await driftWithin(1_000);
    expect(detector.report().surfaces.edge.differences[0]).toMatchObject({ item: "edge", expected: "running", actual: expect.stringMatching(/^not running/) });

    await applyAll(engine, db, { actor: "admin" });
    await detector.request(["edge"]);
    expect(detector.report().surfaces.edge.verdict).toBe("in_sync");
    expect((await viaEdge(fx.settings, "app.example", "/")).status).toBe(200);
  });
});
