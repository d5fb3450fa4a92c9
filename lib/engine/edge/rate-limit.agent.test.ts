import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../db";
import { ValidationError } from "../../errors";
import { readIntent } from "../../security/intent-store";
import { createSite, updateSite } from "../../sites/site-store";
import { changeSiteAndApply } from "../../actions/sites/apply-site";
import { changeAndApply, RuntimeFailedError } from "../changes";
import { observeAll, type Engine } from "../engine";
import { dropTestDatabases, migratedDatabase } from "../../../test/support/databases";
import { cleanupAllEdgeFixtures, edgeEngine, edgeFixture, edgeIntent, site, testUpstream, viaEdge, type TestUpstream } from "../../../test/support/edge";
import { EdgeRuntime } from "./runtime";
import type { EdgeRuntimeSettings } from "./settings";

// Rate limiting at the edge, end to end with a REAL nginx and a real upstream: switched on and tuned
// through the same path as the Security page's card, seen from outside as 429 past rate + burst per
// client address (each test traffic from its own loopback source address, 127.0.0.6 and up), never for
// a site that has it off, delayed rather than refused in delay mode, gone when switched off. Bad input
// is refused with a clear error and nothing written.

const ADMIN = { actor: "admin" };
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

async function setup(provider: "sqlite" | "postgresql", overrides: Partial<EdgeRuntimeSettings> = {}) {
  const db = createDb(await migratedDatabase(provider));
  dbs.push(db);
  const fx = await edgeFixture(overrides);
  return { db, fx, engine: engineFor(db, fx.settings) };
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

/** The rate limit's settings changed, then switched, as the card does: each a commit driven to the edge. */
async function rateLimit(engine: Engine, db: Db, change: { on?: boolean; settings?: Record<string, unknown> }): Promise<void> {
  if (change.settings) {
    const { version } = (await readIntent(db)).rate_limit;
    await changeAndApply(engine, db, "update", { protection: "rate_limit", changes: change.settings, expectedVersion: version }, ADMIN);
  }
  if (change.on !== undefined) {
    const { version } = (await readIntent(db)).rate_limit;
    await changeAndApply(engine, db, "toggle", { protection: "rate_limit", on: change.on, expectedVersion: version }, ADMIN);
  }
}

/** `n` requests one after another from `from`: their statuses and how long the burst took. */
async function burst(settings: EdgeRuntimeSettings, host: string, from: string, n: number): Promise<{ statuses: number[]; ms: number }> {
  const t0 = performance.now();
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await viaEdge(settings, host, `/burst-${i}`, { localAddress: from })).status);
  return { statuses, ms: performance.now() - t0 };
}

const SMALL = { rate: 5, unit: "second", burst: 2, excess: "reject" };

describe.each(["sqlite", "postgresql"] as const)("rate limiting at the real edge (%s)", (provider) => {
  it("5 per second, burst 2, excess refused: one address gets 429 past rate + burst, another still 200, a site with it off never; off again → no 429", async () => {
    const { db, fx, engine } = await setup(provider);
    await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN);
    await changeSiteAndApply(engine, db, createSite, siteInput("open.example", { rateLimit: "off" }), ADMIN);
    const off = (await observeAll(engine)).rate_limit;
    expect(off).toMatchObject({ state: "running", details: { enforcement: null } });
    expect(off.summary).toMatch(/Rate limiting is off\.$/);

    // Tuned while off: nothing is limited yet.
    await rateLimit(engine, db, { settings: SMALL });
    expect((await burst(fx.settings, "app.example", "127.0.0.6", 8)).statuses).toEqual(Array(8).fill(200));

    await rateLimit(engine, db, { on: true });
    const limited = await burst(fx.settings, "app.example", "127.0.0.6", 12);
    // The first request and the burst of 2 pass at once; past them, 429 (plus one more per 200 ms the burst took).
    expect(limited.statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(limited.statuses).toContain(429);
    expect(limited.statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(3 + Math.ceil((limited.ms * 5) / 1000));
    const refused = await viaEdge(fx.settings, "app.example", "/once-more", { localAddress: "127.0.0.6" });
    expect(refused.status).toBe(429);
    expect(refused.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
    expect(upstream.saw("/once-more")).toBe(false);
    // Per client address: another one is not held back by the first one's burst.
    expect((await viaEdge(fx.settings, "app.example", "/", { localAddress: "127.0.0.7" })).status).toBe(200);
    // A site with rate limiting off is never limited, even for the address that is.
    expect((await burst(fx.settings, "open.example", "127.0.0.6", 12)).statuses).toEqual(Array(12).fill(200));

    const card = (await observeAll(engine)).rate_limit;
    expect(card).toMatchObject({ state: "running", details: { enforcement: "enforcing" } });
    expect(card.summary).toMatch(/^Limiting on 1 site \(5 per second, burst 2, excess refused\)\. The edge is running/);

    await rateLimit(engine, db, { on: false });
    expect((await burst(fx.settings, "app.example", "127.0.0.6", 12)).statuses).toEqual(Array(12).fill(200));
    expect((await observeAll(engine)).rate_limit.summary).toMatch(/Rate limiting is off\.$/);
  });
});

describe("rate limiting at the real edge: modes, sites and refusals", () => {
  it("excess delayed: requests within the burst are all served, the last ones late (at the rate), none refused", async () => {
    const { db, fx, engine } = await setup("sqlite");
    await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN);
    await rateLimit(engine, db, { settings: { ...SMALL, excess: "delay" }, on: true });
    const t0 = performance.now();
    const answers = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const r = await viaEdge(fx.settings, "app.example", `/delayed-${i}`, { localAddress: "127.0.0.8" });
        return { status: r.status, ms: performance.now() - t0 };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    // One served at once, the burst's two waiting their turn at 5 per second (200 ms apart).
    const times = answers.map((a) => a.ms).sort((a, b) => a - b);
    expect(times[0]).toBeLessThan(150);
    expect(times[2]).toBeGreaterThanOrEqual(300);
    expect((await observeAll(engine)).rate_limit.summary).toMatch(/^Limiting on 1 site \(5 per second, burst 2, excess delayed\)\./);
  });

  it("no enabled site inherits it: the card says what is missing; a site later switched to inherit is limited", async () => {
    const { db, fx, engine } = await setup("sqlite");
    const added = await changeSiteAndApply(engine, db, createSite, siteInput("app.example", { rateLimit: "off" }), ADMIN);
    await rateLimit(engine, db, { settings: { ...SMALL, burst: 0 }, on: true });
    const card = (await observeAll(engine)).rate_limit;
    expect(card).toMatchObject({ details: { enforcement: "not enforcing" } });
    expect(card.summary).toMatch(/^Not enforcing: no enabled site has rate limiting in generation \d+\./);

    await changeSiteAndApply(engine, db, updateSite, { id: added.site!.id, expectedVersion: added.site!.version, fields: siteInput("app.example") }, ADMIN);
    const limited = await burst(fx.settings, "app.example", "127.0.0.9", 6);
    expect(limited.statuses[0]).toBe(200);
    expect(limited.statuses).toContain(429);
    expect((await observeAll(engine)).rate_limit.summary).toMatch(/^Limiting on 1 site \(5 per second, no burst, excess refused\)\./);
  });

  it("bad input: a rate or burst out of bounds, a unit that is neither second nor minute → a clear error, nothing written", async () => {
    const { db, fx, engine } = await setup("sqlite");
    await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN);
    const conf = () => readFileSync(path.join(fx.dir, "nginx.conf"), "utf8");
    const before = { intent: await readIntent(db), conf: conf() };
    const update = (changes: Record<string, unknown>) =>
      changeAndApply(engine, db, "update", { protection: "rate_limit", changes, expectedVersion: before.intent.rate_limit.version }, ADMIN).catch(
        (e: unknown) => e,
      );
    for (const [changes, message] of [
      [{ rate: 0 }, "Rate must be between 1 and 100000"],
      [{ rate: 100_001 }, "Rate must be between 1 and 100000"],
      [{ burst: 100_001 }, "Burst must be between 0 and 100000"],
      [{ burst: -1 }, "Burst must be between 0 and 100000"],
      [{ unit: "hour" }, "Per must be second or minute"],
      [{ excess: "drop" }, "Excess must be reject or delay"],
    ] as const) {
      const error = await update(changes);
      expect(error, JSON.stringify(changes)).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(message);
    }
    expect((await readIntent(db)).rate_limit).toEqual(before.intent.rate_limit);
    expect(conf()).toBe(before.conf);

    // The edge refuses the same values itself, whoever hands them over, and writes nothing.
    const runtime = new EdgeRuntime(fx.settings);
    const sites = [site("1", ["app.example"], upstream.url)];
    const refused = await runtime
      .apply({ ...edgeIntent(sites), rateLimit: { enabled: true, rate: 5, unit: "hour", burst: 2, excess: "reject" } })
      .catch((e: unknown) => e);
    expect((refused as Error).message).toBe("The edge configuration was refused, nothing was written: the rate limit is per second or per minute.");
    expect(conf()).toBe(before.conf);
  });

  it("switching it on is refused without the edge's packages, and rolled back when nginx refuses the configuration", async () => {
    const missing = await setup("sqlite", { bin: "/nonexistent/nginx" });
    const v = (await readIntent(missing.db)).version;
    await expect(rateLimit(missing.engine, missing.db, { on: true })).rejects.toThrow(/^The edge is not installed: .*\/nonexistent\/nginx is missing/);
    expect((await readIntent(missing.db)).version).toBe(v);

    const { db, fx, engine } = await setup("sqlite");
    await changeSiteAndApply(engine, db, createSite, siteInput("app.example"), ADMIN);
    // A second engine on the same instance whose ModSecurity module is not a module: `nginx -t` refuses.
    const broken = engineFor(db, { ...fx.settings, modsecModule: "/etc/hostname" });
    const error = await rateLimit(broken, db, { on: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect((error as RuntimeFailedError).rolledBack).toBe(true);
    expect((error as RuntimeFailedError).logTail.length).toBeGreaterThan(0);
    expect((error as Error).message).toMatch(/^Rate limiting could not be started: nginx refused the new configuration.*The change was rolled back\.$/s);
    expect((await readIntent(db)).rate_limit.enabled).toBe(false);
    expect((await burst(fx.settings, "app.example", "127.0.0.10", 8)).statuses).toEqual(Array(8).fill(200));
    await broken.appliers.rate_limit.request(0); // the re-apply after the rollback, before the database closes
  });
});
