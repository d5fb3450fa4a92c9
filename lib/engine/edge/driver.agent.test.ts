import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowdsecIntent } from "../../../test/support/crowdsec";
import { cleanupAllEdgeFixtures, edgeFixture, site, testUpstream, untilEdge, viaEdge, type EdgeFixture, type TestUpstream } from "../../../test/support/edge";
import type { SecurityIntent } from "../../security/intent";
import { EdgeDriver, edgeCardObservation } from "./driver";
import type { EdgeIntent } from "./edge-intent";
import { EdgeRuntime } from "./runtime";
import { edgePaths } from "./settings";

// The edge as a runtime driver (render / observe / diff / apply) with a real nginx: the WAF comes
// from the security intent, the sites from a source standing in for the panel's store. A reload
// that is not confirmed within its bound fails clearly; the edge is in sync once nginx serves it.

let upstream: TestUpstream;
let f: EdgeFixture;
let stored: Pick<EdgeIntent, "sites" | "exclusions">;
let driver: EdgeDriver;
const never = new AbortController().signal;

function security(waf: { enabled: boolean; mode?: "detect" | "block" }, version = 2): SecurityIntent {
  const base = crowdsecIntent(false, version);
  return { ...base, waf: { ...base.waf, enabled: waf.enabled, settings: { ...base.waf.settings, mode: waf.mode ?? "block" } } };
}

async function check(intent: SecurityIntent) {
  return driver.diff(await driver.render(intent), await driver.observe(), intent);
}

beforeAll(async () => {
  upstream = await testUpstream();
  f = await edgeFixture();
  stored = { sites: [site("app", ["app.example"], upstream.url)], exclusions: [] };
  driver = new EdgeDriver(new EdgeRuntime(f.settings), async () => stored);
});

afterAll(async () => {
  await cleanupAllEdgeFixtures();
  await upstream.close();
});

describe("EdgeDriver", () => {
  it("before any apply: drift (not running, never written); after apply: in sync and the card says running", async () => {
    const intent = security({ enabled: true });
    const before = await check(intent);
    expect(before.verdict).toBe("drift");
    expect(before.differences.map((d) => d.item)).toEqual(["edge", "edge configuration"]);
    expect(edgeCardObservation(await driver.observe())).toMatchObject({ state: "stopped", summary: "The edge is stopped." });

    const report = await driver.apply(intent, never);
    expect(report).toMatchObject({ action: "started", generation: 1 });
    expect(await check(intent)).toMatchObject({ verdict: "in_sync", differences: [] });
    const card = edgeCardObservation(await driver.observe());
    expect(card).toMatchObject({ protection: "waf", state: "running", pid: report.pid, details: { generation: 1, hash: report.hash } });
    expect(card.summary).toMatch(/^The edge is running \(pid \d+\) and serves generation 1, loaded at /);
    expect((await viaEdge(f.settings, "app.example", `/?q=${encodeURIComponent("<script>alert(1)</script>")}`)).status).toBe(403);
  });

  it("a change in the store (a new site) is drift until applied", async () => {
    const intent = security({ enabled: true });
    stored = { ...stored, sites: [...stored.sites, site("blog", ["blog.example"], upstream.url)] };
    const r = await check(intent);
    expect(r.differences).toEqual([expect.objectContaining({ item: "edge configuration", expected: expect.stringMatching(/^the intent's \(hash /) })]);
    await driver.apply(intent, never);
    expect(await check(intent)).toMatchObject({ verdict: "in_sync", differences: [] });
    expect((await viaEdge(f.settings, "blog.example", "/")).status).toBe(200);
  });

  it("watches the instance's directories, and a file edited there is drift", async () => {
    const p = edgePaths(f.settings);
    expect(driver.watchPaths()).toEqual([p.dir, p.confD, p.modsec, p.state]);
    const file = path.join(p.modsec, "tuning.conf");
    writeFileSync(file, readFileSync(file, "utf8").replace("paranoia_level=1", "paranoia_level=4"));
    expect((await check(security({ enabled: true }))).differences).toEqual([
      { item: "file modsec/tuning.conf", expected: "as Warden wrote it", actual: "edited on disk" },
    ]);
    await driver.apply(security({ enabled: true }), never);
    expect(await check(security({ enabled: true }))).toMatchObject({ verdict: "in_sync", differences: [] });
  });

  it("a reload not confirmed within its bound: a clear failure; once nginx serves it, in sync", async () => {
    const hurried = new EdgeDriver(new EdgeRuntime({ ...f.settings, reloadTimeoutMs: 1 }), async () => stored);
    const intent = security({ enabled: true, mode: "detect" }, 3);
    const error = await hurried.apply(intent, never).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /^The edge's reload failed: the edge did not serve generation \d+ within 1 ms \(it still serves generation \d+\)\.$/,
    );
    // nginx loads it anyway (the HUP was sent): the served generation catches up with the written one.
    await expect.poll(async () => (await check(intent)).verdict, { timeout: 10_000, interval: 20 }).toBe("in_sync");
    // …and, once the previous worker stops accepting, detect mode lets the attack through.
    await untilEdge(f.settings, "app.example", `/?q=${encodeURIComponent("<script>alert(1)</script>")}`, (r) => r.status === 200);
  });

  it("no site enabled: apply stops the edge, and that is in sync", async () => {
    stored = { ...stored, sites: stored.sites.map((s) => ({ ...s, enabled: false })) };
    const report = await driver.apply(security({ enabled: true }), never);
    expect(report).toMatchObject({ action: "stopped" });
    expect(await check(security({ enabled: true }))).toMatchObject({ verdict: "in_sync", differences: [] });
  });
});
