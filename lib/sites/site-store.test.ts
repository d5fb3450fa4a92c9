import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db";
import type { Provider } from "../db-url";
import { ConflictError, MalformedRequestError, NotFoundError, ValidationError } from "../errors";
import { openRawConnection } from "../migrations/connection";
import { readIntent } from "../security/intent-store";
import { cleanupTempDirs, freshPostgres, freshSqliteUrl } from "../../test/support/databases";
import { auditRows, healthyAt, storeInvariants } from "../../test/support/store-state";
import { listSites } from "./site-read";
import { revertSiteChange } from "./site-revert";
import { addExclusion, createSite, removeExclusion, removeSite, updateSite } from "./site-store";

// Sites and WAF exclusions are security intent: each change is one commit (global version + 1, one
// committed audit row), a refused one changes nothing but its `rejected` row, and bad input is refused
// before anything is written. Real SQLite files and a real PostgreSQL database.

const ADMIN = { actor: "admin" };
const SITE = {
  hosts: ["app.example.com", "*.app.example.com"],
  upstream: "http://127.0.0.1:9001",
  tlsVerify: true,
  enabled: true,
  maxBodyBytes: 10_485_760,
  waf: "inherit",
};

function fixture(provider: Provider) {
  let pg: { url: string; drop: () => Promise<void>; db: Db } | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    if (provider === "postgresql") {
      const database = await freshPostgres();
      pg = { ...database, db: createDb(database.url) };
    }
  });
  beforeEach(async () => {
    if (provider === "sqlite") {
      db = createDb(await freshSqliteUrl());
    } else {
      const conn = await openRawConnection(pg!.url);
      await conn.exec(`TRUNCATE "settings", "security_configs", "security_audits", "sites", "site_hosts", "waf_exclusions" RESTART IDENTITY CASCADE`);
      await conn.close();
      db = pg!.db;
    }
    await readIntent(db); // a fresh install's config row: its `initialize` commit is version 1
  });
  afterEach(async () => {
    if (provider === "sqlite") await db?.$disconnect();
  });
  afterAll(async () => {
    await pg?.db.$disconnect();
    await pg?.drop();
  });
  return () => db!;
}

afterAll(() => cleanupTempDirs());

/** Everything a refused request must leave untouched: sites, hosts, exclusions, version, committed rows. */
async function snapshot(db: Db) {
  const [sites, intent, audits] = await Promise.all([listSites(db), readIntent(db), auditRows(db)]);
  return { sites, version: intent.version, committed: audits.filter((a) => a.outcome === "committed").length };
}

describe.each(["sqlite", "postgresql"] as const)("sites on %s", (provider) => {
  const db = fixture(provider);

  it("adds, changes and removes a site, each a commit with its audit row", async () => {
    const added = await createSite(db(), SITE, ADMIN);
    expect(added.configVersion).toBe(2);
    expect(added.site).toMatchObject({ hosts: ["app.example.com", "*.app.example.com"], upstream: "http://127.0.0.1:9001", version: 1, waf: "inherit" });

    expect(added.site!.rateLimit).toBe("inherit");

    const changed = await updateSite(
      db(),
      { id: added.site!.id, expectedVersion: 1, fields: { ...SITE, hosts: ["app.example.com"], waf: "off", rateLimit: "off" } },
      ADMIN,
    );
    expect(changed.configVersion).toBe(3);
    expect(changed.site).toMatchObject({ hosts: ["app.example.com"], waf: "off", rateLimit: "off", version: 2 });

    await removeSite(db(), { id: added.site!.id, expectedVersion: 2 }, ADMIN);
    expect(await listSites(db())).toEqual([]);
    const audits = (await auditRows(db())).slice(1);
    expect(audits.map((a) => [a.action, a.outcome, a.configVersion])).toEqual([
      ["site_add", "committed", 2],
      ["site_update", "committed", 3],
      ["site_remove", "committed", 4],
    ]);
    expect(JSON.parse(audits[1]!.before!)).toMatchObject({ waf: "inherit", rateLimit: "inherit", hosts: ["app.example.com", "*.app.example.com"] });
    expect(JSON.parse(audits[1]!.after!)).toMatchObject({ waf: "off", rateLimit: "off", hosts: ["app.example.com"] });
    expect(await storeInvariants(db())).toEqual(healthyAt(4));
  });

  it("refuses a host name another site serves, naming that site, and changes nothing but a rejected row", async () => {
    await createSite(db(), SITE, ADMIN);
    const before = await snapshot(db());
    const error = await createSite(db(), { ...SITE, hosts: ["other.example.com", "APP.example.com"] }, ADMIN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe("app.example.com is already served by the site for app.example.com, *.app.example.com");
    expect(await snapshot(db())).toEqual(before);
    expect((await auditRows(db())).at(-1)).toMatchObject({ action: "site_add", outcome: "rejected", configVersion: null });
  });

  it("refuses a stale version with who changed the site, and a removed site as not found", async () => {
    const { site } = await createSite(db(), SITE, ADMIN);
    await updateSite(db(), { id: site!.id, expectedVersion: 1, fields: { ...SITE, enabled: false } }, { actor: "alice" });
    const before = await snapshot(db());
    const stale = await updateSite(db(), { id: site!.id, expectedVersion: 1, fields: SITE }, ADMIN).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as Error).message).toMatch(/^Site app\.example\.com was changed by alice \(version 2, you had 1\); reload and try again$/);
    const missing = await removeSite(db(), { id: 999, expectedVersion: 1 }, ADMIN).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(await snapshot(db())).toEqual(before);
  });

  it("refuses config-injection payloads before the transaction: clear error, no row, no audit", async () => {
    const before = await snapshot(db());
    const payloads = [
      { hosts: ["app.example.com; return 200"] },
      { hosts: ["app.example.com}"] },
      { hosts: ['app"x".com'] },
      { hosts: ["app.example.com\nserver_name evil"] },
      { hosts: ["$host"] },
      { upstream: "http://127.0.0.1:9001; proxy_pass http://evil" },
      { upstream: "http://127.0.0.1:9001/${uri}" },
      { upstream: "http://{evil}:80" },
    ];
    for (const payload of payloads) {
      const error = await createSite(db(), { ...SITE, ...payload }, ADMIN).catch((e: unknown) => e);
      expect(error, JSON.stringify(payload)).toBeInstanceOf(MalformedRequestError);
      expect((error as Error).message).toMatch(/contains|must look like/);
    }
    expect(await snapshot(db())).toEqual(before);
    expect((await auditRows(db())).map((a) => a.action)).toEqual(["initialize"]);
  });

  it("excludes a rule for one site and removes the exclusion, each a commit; a non-numeric rule id is refused", async () => {
    const { site } = await createSite(db(), SITE, ADMIN);
    const excluded = await addExclusion(db(), { siteId: site!.id, ruleId: "941100", reason: "editor posts HTML" }, ADMIN);
    expect(excluded.site!.exclusions).toMatchObject([{ ruleId: 941100, reason: "editor posts HTML", createdBy: "admin" }]);
    expect(excluded.site!.version).toBe(2);

    const twice = await addExclusion(db(), { siteId: site!.id, ruleId: 941100 }, ADMIN).catch((e: unknown) => e);
    expect((twice as Error).message).toBe("Rule 941100 is already excluded for app.example.com");
    const bad = await addExclusion(db(), { siteId: site!.id, ruleId: "941100; SecRuleEngine Off" }, ADMIN).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MalformedRequestError);

    await removeExclusion(db(), { siteId: site!.id, ruleId: 941100 }, ADMIN);
    expect((await listSites(db()))[0]!.exclusions).toEqual([]);
    const committed = (await auditRows(db())).filter((a) => a.outcome === "committed");
    expect(committed.map((a) => a.action)).toEqual(["initialize", "site_add", "waf_exclusion_add", "waf_exclusion_remove"]);
    expect(JSON.parse(committed[2]!.after!)).toEqual({
      siteId: site!.id,
      ruleId: 941100,
      reason: "editor posts HTML",
      hosts: ["app.example.com", "*.app.example.com"],
    });
    expect(await storeInvariants(db())).toEqual(healthyAt(4));
  });

  it("removing a site removes its host names and exclusions with it", async () => {
    const { site } = await createSite(db(), SITE, ADMIN);
    await addExclusion(db(), { siteId: site!.id, ruleId: 942100 }, ADMIN);
    await removeSite(db(), { id: site!.id, expectedVersion: 2 }, ADMIN);
    expect(await db().siteHost.count()).toBe(0);
    expect(await db().wafExclusion.count()).toBe(0);
    // the host name is free again
    expect((await createSite(db(), SITE, ADMIN)).site!.hosts).toContain("app.example.com");
  });

  it("a change the edge could not apply is undone with every setting the site had, its rate limit included", async () => {
    const added = await createSite(db(), { ...SITE, rateLimit: "off" }, ADMIN);
    const changed = await updateSite(db(), { id: added.site!.id, expectedVersion: 1, fields: { ...SITE, rateLimit: "inherit" } }, ADMIN);
    expect(await revertSiteChange(db(), changed, "the edge refused it")).not.toBeNull();
    expect((await listSites(db()))[0]).toMatchObject({ rateLimit: "off", version: 3 });

    const removed = await removeSite(db(), { id: added.site!.id, expectedVersion: 3 }, ADMIN);
    expect(await revertSiteChange(db(), removed, "the edge refused it")).not.toBeNull();
    expect((await listSites(db()))[0]).toMatchObject({ id: added.site!.id, rateLimit: "off" });
  });
});
