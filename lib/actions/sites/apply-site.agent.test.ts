import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../db";
import { changeAndApply, RuntimeFailedError } from "../../engine/changes";
import { observeAll, type Engine } from "../../engine/engine";
import type { EdgeRuntimeSettings } from "../../engine/edge/settings";
import { listSites } from "../../sites/site-read";
import { createSite, removeSite, updateSite } from "../../sites/site-store";
import { readIntent } from "../../security/intent-store";
import { dropTestDatabases, migratedDatabase } from "../../../test/support/databases";
import { holdPort, waitFor } from "../../../test/support/crowdsec";
import { cleanupAllEdgeFixtures, edgeEngine, edgeFixture, testUpstream, viaEdge, type TestUpstream } from "../../../test/support/edge";
import { auditRows } from "../../../test/support/store-state";
import { changeSiteAndApply } from "./apply-site";

// A site change end to end with a REAL nginx + ModSecurity + CRS and a real upstream, on SQLite and
// PostgreSQL: committed, applied to the edge before the call returns, audited with the edge's answer;
// a change the edge refuses is rolled back and the edge keeps serving what it served.

const ADMIN = { actor: "admin" };
const ATTACK = `/?q=${encodeURIComponent("<script>alert(1)</script>")}`;
let upstream: TestUpstream;
const engines: Engine[] = [];
const dbs: Db[] = [];

beforeAll(async () => {
  upstream = await testUpstream();
});
afterEach(async () => {
  for (const e of engines.splice(0)) e.close();
  await cleanupAllEdgeFixtures();
  for (const d of dbs.splice(0)) await d.$disconnect();
});
afterAll(async () => {
  await upstream.close();
  await dropTestDatabases();
});

function engineFor(db: Db, edge: EdgeRuntimeSettings): Engine {
  const engine = edgeEngine(db, edge);
  engines.push(engine);
  return engine;
}

const siteInput = (host: string, extra: Record<string, unknown> = {}) => ({
  hosts: [host],
  upstream: upstream.url,
  tlsVerify: true,
  enabled: true,
  maxBodyBytes: 10 * 1024 * 1024,
  waf: "inherit",
  ...extra,
});

describe.each(["sqlite", "postgresql"] as const)("a site change drives the real edge (%s)", (provider) => {
  async function setup(overrides: Partial<EdgeRuntimeSettings> = {}) {
    const db = createDb(await migratedDatabase(provider));
    dbs.push(db);
    const fx = await edgeFixture(overrides);
    return { db, fx, engine: engineFor(db, fx.settings) };
  }

  it("add → the edge starts and proxies; WAF on → an attack gets 403 and the card says blocking; last site removed → the edge stops", async () => {
    const { db, fx, engine } = await setup();
    const added = await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN);
    expect(added.runtime).toMatchObject({ status: "applied" });
    // Applied before the call returned: the first request already reaches the upstream.
    expect(await viaEdge(fx.settings, "app.example", "/hello")).toMatchObject({ status: 200, body: expect.stringContaining("upstream ok") });
    expect((await viaEdge(fx.settings, "unknown.example", "/")).status).toBe(404);
    expect((await viaEdge(fx.settings, "app.example", ATTACK)).status).toBe(200); // WAF off

    const card = (await observeAll(engine)).waf;
    expect(card).toMatchObject({ state: "running", details: { enforcement: null } });
    expect(card.summary).toMatch(/The WAF is off\.$/);

    const waf = (await readIntent(db)).waf;
    await changeAndApply(engine, db, "toggle", { protection: "waf", on: true, expectedVersion: waf.version }, ADMIN);
    // The default mode detects: the attack passes, and the card says so rather than "blocking".
    expect((await viaEdge(fx.settings, "app.example", ATTACK)).status).toBe(200);
    expect((await observeAll(engine)).waf).toMatchObject({ details: { enforcement: "detecting" } });
    await changeAndApply(engine, db, "update", { protection: "waf", changes: { mode: "block" }, expectedVersion: waf.version + 1 }, ADMIN);
    const blocked = await viaEdge(fx.settings, "app.example", ATTACK);
    expect(blocked.status).toBe(403);
    expect(blocked.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
    const enforcing = (await observeAll(engine)).waf;
    expect(enforcing).toMatchObject({ state: "running", details: { enforcement: "enforcing" } });
    expect(enforcing.summary).toMatch(/^Blocking on 1 site \(block mode, paranoia 1, thresholds 5\/4\)\./);

    // The site's WAF off: the edge serves it, the card no longer claims to protect anything.
    const site = added.site!;
    const off = await changeSiteAndApply(
      engine,
      db,
      updateSite,
      { id: site.id, expectedVersion: site.version, fields: siteInput("app.example", { waf: "off" }) },
      ADMIN,
    );
    expect((await viaEdge(fx.settings, "app.example", ATTACK)).status).toBe(200);
    expect((await observeAll(engine)).waf).toMatchObject({ details: { enforcement: "not enforcing" } });

    await changeSiteAndApply(engine, db, removeSite, { id: site.id, expectedVersion: off.site!.version }, ADMIN);
    expect((await observeAll(engine)).waf).toMatchObject({ state: "stopped" });
    await expect(viaEdge(fx.settings, "app.example", "/")).rejects.toThrow(/ECONNREFUSED/);
    const rows = await auditRows(db);
    expect(rows.filter((r) => r.action === "runtime_result").map((r) => r.outcome)).toEqual(["applied", "applied", "applied", "applied", "applied"]);
  });

  it("a change nginx refuses is rolled back: the error says why, the site is as before, the edge keeps serving its generation", async () => {
    const { db, fx, engine } = await setup();
    const first = await changeSiteAndApply(engine, db, createSite, siteInput("one.example"), ADMIN);
    // A second engine on the same instance whose ModSecurity module is not a module: `nginx -t` refuses.
    const broken = engineFor(db, { ...fx.settings, modsecModule: "/etc/hostname" });
    const error = await changeSiteAndApply(broken, db, createSite, siteInput("two.example"), ADMIN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect((error as RuntimeFailedError).rolledBack).toBe(true);
    expect((error as Error).message).toMatch(
      /^The edge could not apply the change: nginx refused the new configuration, so nothing changed \(the edge keeps serving generation 1\).*The change was rolled back\.$/s,
    );
    expect((await listSites(db)).map((s) => s.hosts)).toEqual([["one.example"]]);
    expect((await viaEdge(fx.settings, "one.example", "/")).status).toBe(200);
    expect((await viaEdge(fx.settings, "two.example", "/")).status).toBe(404);
    const rows = await auditRows(db);
    expect(rows.slice(-3).map((r) => [r.action, r.outcome])).toEqual([
      ["site_add", "committed"],
      ["runtime_result", "failed"],
      ["site_rollback", "rolled_back"],
    ]);
    expect(first.runtime.status).toBe("applied");
    await broken.appliers.waf.request(0); // the re-apply after the rollback, before the database closes
  });

  it("the listen address taken: the first site is refused with the address named, and rolled back", async () => {
    const { db, fx, engine } = await setup();
    const held = await holdPort(fx.settings.listen.port);
    try {
      const error = await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN).catch((e: unknown) => e);
      expect((error as Error).message).toContain(`127.0.0.1:${fx.settings.listen.port}`);
      expect((error as Error).message).toMatch(/already in use.*The change was rolled back\.$/s);
      expect(await listSites(db)).toEqual([]);
      await engine.appliers.waf.request(0); // the re-apply after the rollback, before the database closes
    } finally {
      await held.close();
    }
  });

  it("without the edge's packages: enabling a site or the WAF is refused with how to install it, and nothing is written", async () => {
    const { db, engine } = await setup({ bin: "/nonexistent/nginx" });
    const error = await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^The edge is not installed: .*\/nonexistent\/nginx is missing.*install-edge\.sh/);
    expect(await listSites(db)).toEqual([]);
    const before = (await readIntent(db)).version;
    const waf = (await readIntent(db)).waf;
    await expect(changeAndApply(engine, db, "toggle", { protection: "waf", on: true, expectedVersion: waf.version }, ADMIN)).rejects.toThrow(
      /The edge is not installed/,
    );
    expect((await readIntent(db)).version).toBe(before);
    // A disabled site needs no edge: it is saved, and the card says what is missing.
    const saved = await changeSiteAndApply(engine, db, createSite, siteInput("later.example", { enabled: false }), ADMIN);
    expect(saved.runtime.status).toBe("applied");
    expect((await observeAll(engine)).waf).toMatchObject({ state: "not_installed", summary: expect.stringContaining("install-edge.sh") });
  });
});

describe("the edge's nginx killed with SIGKILL", () => {
  it("self-heal restarts it, clearing the workers left on the port", async () => {
    const db = createDb(await migratedDatabase("sqlite"));
    dbs.push(db);
    const fx = await edgeFixture();
    const engine = edgeEngine(db, fx.settings, { crowdsec: { selfHeal: true, selfHealBackoffMs: 100 } });
    engines.push(engine);
    engine.edgeSupervisor.start();
    await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN);
    const first = (await observeAll(engine)).waf.pid!;
    process.kill(first, "SIGKILL");
    // Its workers keep serving for a moment; the restarted master is the one the card names.
    const card = await waitFor(
      async () => {
        const c = (await observeAll(engine)).waf;
        return c.state === "running" && c.pid !== first ? c : null;
      },
      15_000,
      "a new edge master",
    );
    expect(card.summary).toMatch(/serves generation 2/);
    expect((await viaEdge(fx.settings, "app.example", "/")).status).toBe(200);
    expect(engine.edgeSupervisor.state).toMatchObject({ attempts: 1, gaveUp: false });
  });
});
