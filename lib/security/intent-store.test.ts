import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "../db";
import type { Provider } from "../db-url";
import { ConflictError, MalformedRequestError, ValidationError } from "../errors";
import { log } from "../log";
import { openRawConnection } from "../migrations/connection";
import { cleanupTempDirs, freshPostgres, freshSqliteUrl } from "../../test/support/databases";
import { auditRows, dumpIntentTables, healthyAt, storeInvariants } from "../../test/support/store-state";
import { checkStoreConsistency } from "./consistency";
import { MAX_REQUEST_BYTES } from "./input-schema";
import { readIntent, toggleProtection, updateProtection } from "./intent-store";
import { repairMirror } from "./mirror-repair";

// The one write path for security intent, against real SQLite files and a real PostgreSQL database.

const ADMIN = { actor: "local-admin" };

interface Store {
  url: string;
  db: Db;
}

/** SQLite: a migrated file per test. PostgreSQL: one migrated database per provider, emptied per test. */
function storeFixture(provider: Provider) {
  let pg: { url: string; drop: () => Promise<void>; db: Db } | undefined;
  let current: Store | undefined;
  beforeAll(async () => {
    if (provider === "postgresql") {
      const database = await freshPostgres();
      pg = { ...database, db: createDb(database.url) };
    }
  });
  beforeEach(async () => {
    if (provider === "sqlite") {
      const url = await freshSqliteUrl();
      current = { url, db: createDb(url) };
    } else {
      await sql(pg!.url, `TRUNCATE "settings", "security_configs", "security_audits" RESTART IDENTITY`);
      current = { url: pg!.url, db: pg!.db };
    }
  });
  afterEach(async () => {
    if (provider === "sqlite") await current?.db.$disconnect();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await pg?.db.$disconnect();
    await pg?.drop();
  });
  return () => current!;
}

afterAll(() => cleanupTempDirs());

async function sql(url: string, statement: string): Promise<void> {
  const conn = await openRawConnection(url);
  try {
    await conn.exec(statement);
  } finally {
    await conn.close();
  }
}

async function settingRows(db: Db) {
  const rows = await db.setting.findMany({ where: { key: { startsWith: "security." } }, orderBy: { key: "asc" } });
  return Object.fromEntries(rows.map((r) => [r.key, `${r.type}:${r.value}`]));
}

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );

describe.each(["sqlite", "postgresql"] as const)("security intent store on %s", (provider) => {
  const store = storeFixture(provider);

  describe("fresh database", () => {
    it("initializes the config from the documented defaults, with a WARN log and an `initialize` audit row", async () => {
      const { db, url } = store();
      expect((await dumpIntentTables(url)).securityConfigs).toEqual([]);
      const warn = vi.spyOn(log, "warn");

      const intent = await readIntent(db, "req-init");
      expect(intent.version).toBe(1);
      expect(intent.crowdsec).toMatchObject({ enabled: false, settings: { mode: "local", lapiUrl: null }, version: 0 });
      expect(intent.waf).toMatchObject({ enabled: false, settings: { mode: "detect", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 }, version: 0 });
      expect(intent.rate_limit).toMatchObject({ enabled: false, settings: { rate: 100, unit: "minute", burst: 10, excess: "reject" }, version: 0 });

      const audits = await auditRows(db);
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({
        action: "initialize",
        actor: "system",
        outcome: "committed",
        protection: null,
        requestId: "req-init",
        configVersion: 1,
      });
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ event: "security_config_recreated", source: "defaults" }),
        expect.stringMatching(/initialized from defaults/),
      );
      expect(await storeInvariants(db)).toEqual(healthyAt(1));
      expect(await settingRows(db)).toMatchObject({
        "security.version": "number:1",
        "security.crowdsec.enabled": "boolean:false",
        "security.crowdsec.lapi_url": "null:",
        "security.waf.paranoia": "number:1",
        "security.rate_limit.unit": "string:minute",
      });

      // Reading again changes nothing.
      const before = await dumpIntentTables(url);
      await readIntent(db);
      expect(await dumpIntentTables(url)).toEqual(before);
      expect(await auditRows(db)).toHaveLength(1);
    });

    it("a first change on a fresh database initializes and commits in one go", async () => {
      const { db } = store();
      const result = await toggleProtection(db, { protection: "rate_limit", on: true, expectedVersion: 0 }, ADMIN);
      expect(result.configVersion).toBe(2);
      expect((await auditRows(db)).map((a) => [a.action, a.outcome, a.configVersion])).toEqual([
        ["initialize", "committed", 1],
        ["toggle", "committed", 2],
      ]);
      expect(await storeInvariants(db)).toEqual(healthyAt(2));
    });
  });

  describe("changes", () => {
    it("a toggle persists (also for a new client), the mirror equals the config, one committed audit row", async () => {
      const { db, url } = store();
      await readIntent(db);
      const result = await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, { actor: "local-admin", requestId: "req-1" });
      expect(result.intent.waf).toMatchObject({ enabled: true, version: 1, changedBy: "local-admin" });
      expect(result.configVersion).toBe(2);

      const other = createDb(url);
      try {
        const reread = await readIntent(other);
        expect(reread.waf).toMatchObject({ enabled: true, version: 1, changedBy: "local-admin" });
        expect(reread.crowdsec.enabled).toBe(false);
        expect(reread.version).toBe(2);
      } finally {
        await other.$disconnect();
      }

      expect(await checkStoreConsistency(db)).toMatchObject({ consistent: true, configPresent: true, mismatches: [] });
      expect(await settingRows(db)).toMatchObject({
        "security.waf.enabled": "boolean:true",
        "security.waf.version": "number:1",
        "security.version": "number:2",
      });
      const last = (await auditRows(db)).at(-1)!;
      expect(last).toMatchObject({
        action: "toggle",
        protection: "waf",
        outcome: "committed",
        actor: "local-admin",
        requestId: "req-1",
        configVersion: 2,
        error: null,
      });
      expect(JSON.parse(last.before!)).toMatchObject({ enabled: false, paranoia: 1 });
      expect(JSON.parse(last.after!)).toMatchObject({ enabled: true, paranoia: 1 });
      expect(await storeInvariants(db)).toEqual(healthyAt(2));
    });

    it("settings changes persist for every protection and keep the mirror in step", async () => {
      const { db } = store();
      await readIntent(db);
      await updateProtection(db, { protection: "waf", changes: { mode: "block", paranoia: 3, inboundThreshold: 10 }, expectedVersion: 0 }, ADMIN);
      await updateProtection(db, { protection: "rate_limit", changes: { rate: 500, unit: "second", burst: 0, excess: "delay" }, expectedVersion: 0 }, ADMIN);
      await updateProtection(db, { protection: "crowdsec", changes: { mode: "external", lapiUrl: "http://127.0.0.1:8080" }, expectedVersion: 0 }, ADMIN);
      await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: 1 }, ADMIN);

      const intent = await readIntent(db);
      expect(intent.version).toBe(5);
      expect(intent.waf).toMatchObject({ enabled: false, version: 1, settings: { mode: "block", paranoia: 3, inboundThreshold: 10, outboundThreshold: 4 } });
      expect(intent.rate_limit).toMatchObject({ version: 1, settings: { rate: 500, unit: "second", burst: 0, excess: "delay" } });
      expect(intent.crowdsec).toMatchObject({ enabled: true, version: 2, settings: { mode: "external", lapiUrl: "http://127.0.0.1:8080" } });
      expect(await settingRows(db)).toMatchObject({
        "security.waf.mode": "string:block",
        "security.waf.paranoia": "number:3",
        "security.rate_limit.unit": "string:second",
        "security.rate_limit.burst": "number:0",
        "security.rate_limit.excess": "string:delay",
        "security.crowdsec.enabled": "boolean:true",
        "security.crowdsec.mode": "string:external",
        "security.crowdsec.lapi_url": "string:http://127.0.0.1:8080",
      });
      expect(await storeInvariants(db)).toEqual(healthyAt(5));
    });
  });

  describe("bad input: a clear error, config and mirror unchanged byte for byte", () => {
    type Case = {
      name: string;
      call: (db: Db) => Promise<unknown>;
      error: typeof MalformedRequestError | typeof ValidationError | typeof ConflictError;
      message: RegExp;
      /** Well-formed refusals append exactly one `rejected` row; malformed requests none. */
      audited: boolean;
      fields?: Record<string, string>;
    };
    const toggle = (input: unknown) => (db: Db) => toggleProtection(db, input, ADMIN);
    const update = (input: unknown) => (db: Db) => updateProtection(db, input, ADMIN);
    const circular: Record<string, unknown> = { protection: "waf", on: true, expectedVersion: 1 };
    circular.self = circular;

    // State before each case: WAF at version 1 (on), every other protection at version 0.
    const cases: Case[] = [
      {
        name: "unknown protection",
        call: toggle({ protection: "firewall", on: true, expectedVersion: 0 }),
        error: MalformedRequestError,
        message: /Unknown protection/,
        audited: false,
      },
      {
        name: "unknown protection (update)",
        call: update({ protection: "ids", changes: { level: 1 }, expectedVersion: 0 }),
        error: MalformedRequestError,
        message: /Unknown protection/,
        audited: false,
      },
      {
        name: "on is not a boolean",
        call: toggle({ protection: "waf", on: "yes", expectedVersion: 1 }),
        error: MalformedRequestError,
        message: /on must be true or false/,
        audited: false,
      },
      {
        name: "expectedVersion as text",
        call: toggle({ protection: "waf", on: false, expectedVersion: "1" }),
        error: MalformedRequestError,
        message: /expectedVersion must be a number/,
        audited: false,
      },
      {
        name: "expectedVersion missing",
        call: toggle({ protection: "waf", on: false }),
        error: MalformedRequestError,
        message: /expectedVersion/,
        audited: false,
      },
      {
        name: "negative expectedVersion",
        call: toggle({ protection: "waf", on: false, expectedVersion: -1 }),
        error: MalformedRequestError,
        message: /must not be negative/,
        audited: false,
      },
      {
        name: "text in a number field",
        call: update({ protection: "waf", changes: { paranoia: "3" }, expectedVersion: 1 }),
        error: MalformedRequestError,
        message: /Paranoia level must be a number/,
        audited: false,
        fields: { paranoia: "Paranoia level must be a number" },
      },
      {
        name: "unknown top-level key",
        call: toggle({ protection: "waf", on: false, expectedVersion: 1, admin: true }),
        error: MalformedRequestError,
        message: /admin|Unrecognized/i,
        audited: false,
      },
      {
        name: "unknown settings key",
        call: update({ protection: "waf", changes: { paranoia: 2, rules: "all" }, expectedVersion: 1 }),
        error: MalformedRequestError,
        message: /rules|Unrecognized/i,
        audited: false,
      },
      {
        name: "another protection's key",
        call: update({ protection: "rate_limit", changes: { paranoia: 2 }, expectedVersion: 0 }),
        error: MalformedRequestError,
        message: /paranoia|Unrecognized/i,
        audited: false,
      },
      {
        name: "nothing to change",
        call: update({ protection: "waf", changes: {}, expectedVersion: 1 }),
        error: MalformedRequestError,
        message: /Nothing to change/,
        audited: false,
      },
      {
        name: "oversized payload (> 8 KB)",
        call: update({ protection: "crowdsec", changes: { lapiUrl: `http://${"a".repeat(MAX_REQUEST_BYTES)}.example` }, expectedVersion: 0 }),
        error: MalformedRequestError,
        message: /too large/,
        audited: false,
      },
      { name: "not an object (null)", call: toggle(null), error: MalformedRequestError, message: /./, audited: false },
      { name: "not an object (array)", call: toggle(["waf", true, 1]), error: MalformedRequestError, message: /./, audited: false },
      { name: "not serializable (cycle)", call: toggle(circular), error: MalformedRequestError, message: /not valid JSON/, audited: false },
      {
        name: "paranoia 9 (out of range)",
        call: update({ protection: "waf", changes: { paranoia: 9 }, expectedVersion: 1 }),
        error: ValidationError,
        message: /Paranoia level must be between 1 and 4/,
        audited: true,
        fields: { paranoia: "Paranoia level must be between 1 and 4" },
      },
      {
        name: "a unit that is neither second nor minute",
        call: update({ protection: "rate_limit", changes: { unit: "hour" }, expectedVersion: 0 }),
        error: ValidationError,
        message: /Per must be second or minute/,
        audited: true,
        fields: { unit: "Per must be second or minute" },
      },
      {
        name: "fractional threshold",
        call: update({ protection: "waf", changes: { inboundThreshold: 2.5 }, expectedVersion: 1 }),
        error: ValidationError,
        message: /whole number/,
        audited: true,
      },
      {
        name: "rate above the bound",
        call: update({ protection: "rate_limit", changes: { rate: 100_001 }, expectedVersion: 0 }),
        error: ValidationError,
        message: /Rate must be between 1 and 100000/,
        audited: true,
      },
      {
        name: "burst above the bound",
        call: update({ protection: "rate_limit", changes: { burst: 100_001 }, expectedVersion: 0 }),
        error: ValidationError,
        message: /Burst must be between 0 and 100000/,
        audited: true,
      },
      {
        name: "a rate of 0",
        call: update({ protection: "rate_limit", changes: { rate: 0 }, expectedVersion: 0 }),
        error: ValidationError,
        message: /Rate must be between 1 and 100000/,
        audited: true,
      },
      {
        name: "unknown WAF mode",
        call: update({ protection: "waf", changes: { mode: "panic" }, expectedVersion: 1 }),
        error: ValidationError,
        message: /detect or block/,
        audited: true,
      },
      {
        name: "external CrowdSec without a LAPI URL",
        call: update({ protection: "crowdsec", changes: { mode: "external" }, expectedVersion: 0 }),
        error: ValidationError,
        message: /LAPI URL/,
        audited: true,
      },
      {
        name: "LAPI URL with credentials",
        call: update({ protection: "crowdsec", changes: { lapiUrl: "http://user:pw@lapi.example:8080" }, expectedVersion: 0 }),
        error: ValidationError,
        message: /credentials/,
        audited: true,
      },
      {
        name: "stale version",
        call: toggle({ protection: "waf", on: false, expectedVersion: 0 }),
        error: ConflictError,
        message: /WAF was changed by local-admin at .* \(version 1, you had 0\); reload/,
        audited: true,
      },
      {
        name: "version from the future",
        call: update({ protection: "waf", changes: { paranoia: 2 }, expectedVersion: 7 }),
        error: ConflictError,
        message: /version 1, you had 7/,
        audited: true,
      },
    ];

    it.each(cases)("$name", async ({ call, error, message, audited, fields }) => {
      const { db, url } = store();
      await readIntent(db);
      await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN);
      const tablesBefore = await dumpIntentTables(url);
      const auditsBefore = await auditRows(db);
      expect(tablesBefore.securityConfigs).toHaveLength(1);
      expect(tablesBefore.settings.length).toBeGreaterThan(10);

      const thrown = (await caught(call(db))) as Error & { fields?: Record<string, string> };
      expect(thrown).toBeInstanceOf(error);
      expect(thrown.message).toMatch(message);
      if (fields) expect(thrown.fields).toEqual(fields);

      expect(await dumpIntentTables(url)).toEqual(tablesBefore);
      const auditsAfter = await auditRows(db);
      expect(auditsAfter.slice(0, auditsBefore.length)).toEqual(auditsBefore);
      const appended = auditsAfter.slice(auditsBefore.length);
      if (audited) {
        expect(appended).toHaveLength(1);
        expect(appended[0]).toMatchObject({ outcome: "rejected", actor: "local-admin", error: thrown.message, configVersion: null });
      } else {
        expect(appended).toEqual([]);
      }
      expect(await storeInvariants(db)).toEqual(healthyAt(2));
    });

    it("a conflict carries who changed the protection and its current version", async () => {
      const { db } = store();
      await readIntent(db);
      await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, { actor: "alice" });
      const conflict = (await caught(toggleProtection(db, { protection: "waf", on: false, expectedVersion: 0 }, { actor: "bob" }))) as ConflictError;
      expect(conflict).toBeInstanceOf(ConflictError);
      expect(conflict.details).toMatchObject({ protection: "waf", expectedVersion: 0, currentVersion: 1, changedBy: "alice" });
      expect(conflict.details.changedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    });
  });

  describe("conflicts", () => {
    it("two writers with the same expected version of one protection: exactly one wins", async () => {
      const { db } = store();
      await readIntent(db);
      const results = await Promise.allSettled([
        toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, { actor: "tab-1" }),
        updateProtection(db, { protection: "waf", changes: { paranoia: 3 }, expectedVersion: 0 }, { actor: "tab-2" }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(ConflictError);

      const intent = await readIntent(db);
      expect(intent.waf.version).toBe(1);
      const winner = results[0]!.status === "fulfilled" ? "tab-1" : "tab-2";
      expect(intent.waf.changedBy).toBe(winner);
      // The loser's change is nowhere: not a silent overwrite, not a merge.
      expect(intent.waf.enabled && intent.waf.settings.paranoia === 3).toBe(false);
      expect(intent.waf.enabled || intent.waf.settings.paranoia === 3).toBe(true);

      const audits = (await auditRows(db)).filter((a) => a.protection === "waf");
      expect(audits.map((a) => [a.actor, a.outcome]).sort()).toEqual(
        [
          [winner, "committed"],
          [winner === "tab-1" ? "tab-2" : "tab-1", "rejected"],
        ].sort(),
      );
      expect(await storeInvariants(db)).toEqual(healthyAt(2));
    });

    it("a change to another protection with its own version is not a conflict", async () => {
      const { db } = store();
      await readIntent(db);
      // A page loaded now holds WAF 0 and rate limiting 0; WAF changes elsewhere first.
      await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, { actor: "tab-1" });
      const rl = await updateProtection(db, { protection: "rate_limit", changes: { rate: 250 }, expectedVersion: 0 }, { actor: "tab-2" });
      expect(rl.intent.rate_limit).toMatchObject({ version: 1, settings: { rate: 250 } });
      expect(rl.intent.waf).toMatchObject({ enabled: true, version: 1 });

      // And at the same moment.
      const both = await Promise.allSettled([
        toggleProtection(db, { protection: "waf", on: false, expectedVersion: 1 }, { actor: "tab-1" }),
        toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: 0 }, { actor: "tab-2" }),
      ]);
      expect(both.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
      const intent = await readIntent(db);
      expect([intent.waf.enabled, intent.crowdsec.enabled, intent.rate_limit.settings.rate]).toEqual([false, true, 250]);
      expect((await auditRows(db)).filter((a) => a.outcome === "rejected")).toEqual([]);
      expect(await storeInvariants(db)).toEqual(healthyAt(5));
    });
  });

  describe("atomicity", () => {
    it("a failure after the config write and before commit leaves config, mirror and audit unchanged", async () => {
      const { db, url } = store();
      await readIntent(db);
      await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: 0 }, ADMIN);
      const tablesBefore = await dumpIntentTables(url);
      const auditsBefore = await auditRows(db);

      let hookRan = 0;
      const hooks = {
        afterConfigWrite: async () => {
          hookRan++;
          // Inside the transaction the config row is already written …
          throw new Error("injected failure after the config write");
        },
      };
      await expect(toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN, hooks)).rejects.toThrow("injected failure");
      await expect(updateProtection(db, { protection: "rate_limit", changes: { burst: 7 }, expectedVersion: 0 }, ADMIN, hooks)).rejects.toThrow(
        "injected failure",
      );
      expect(hookRan).toBe(2);

      // … and none of it landed.
      expect(await dumpIntentTables(url)).toEqual(tablesBefore);
      expect(await auditRows(db)).toEqual(auditsBefore);
      expect(await storeInvariants(db)).toEqual(healthyAt(2));

      // The store still works afterwards.
      await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN);
      expect(await storeInvariants(db)).toEqual(healthyAt(3));
    });

    it("a failure on a fresh database also rolls back the initialization", async () => {
      const { db, url } = store();
      await expect(
        toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN, {
          afterConfigWrite: () => {
            throw new Error("injected");
          },
        }),
      ).rejects.toThrow("injected");
      expect(await dumpIntentTables(url)).toEqual({ securityConfigs: [], settings: [] });
      expect(await auditRows(db)).toEqual([]);
    });
  });

  describe("recovery of a missing config row", () => {
    it("recreates it from the mirror (CrowdSec on), logs WARN, writes a `recover` audit row; mirror == config after", async () => {
      const { db, url } = store();
      await readIntent(db);
      await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: 0 }, ADMIN);
      await updateProtection(db, { protection: "waf", changes: { paranoia: 2, mode: "block" }, expectedVersion: 0 }, ADMIN);
      const stalePage = await readIntent(db);

      await sql(url, `DELETE FROM "security_configs"`);
      expect(await checkStoreConsistency(db)).toMatchObject({ consistent: false, configPresent: false });
      const warn = vi.spyOn(log, "warn");

      const intent = await readIntent(db, "req-recover");
      expect(intent.crowdsec.enabled).toBe(true);
      expect(intent.waf).toMatchObject({ enabled: false, settings: { mode: "block", paranoia: 2 } });
      expect(intent.rate_limit.enabled).toBe(false);
      expect(intent.version).toBe(4);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ event: "security_config_recreated", source: "settings_mirror", crowdsecEnabled: true, requestId: "req-recover" }),
        expect.stringMatching(/recovered from settings mirror/),
      );
      const last = (await auditRows(db)).at(-1)!;
      expect(last).toMatchObject({ action: "recover", actor: "system", outcome: "committed", protection: null, requestId: "req-recover", configVersion: 4 });
      expect(JSON.parse(last.after!)).toMatchObject({ crowdsec: { enabled: true }, waf: { paranoia: 2, mode: "block" } });
      expect(await storeInvariants(db)).toEqual(healthyAt(4));

      // Pages opened before the loss are stale: their next change is a conflict, not a silent overwrite.
      await expect(toggleProtection(db, { protection: "crowdsec", on: false, expectedVersion: stalePage.crowdsec.version }, ADMIN)).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await readIntent(db)).crowdsec.enabled).toBe(true);
    });

    it("a legacy mirror holding only `security.crowdsec.enabled` (the stuck toggle) is honoured", async () => {
      const { db, url } = store();
      const now = provider === "sqlite" ? `'2026-01-01T00:00:00.000Z'` : `now()`;
      await sql(
        url,
        `INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES ('security.crowdsec.enabled', 'true', 'boolean', 'security', ${now})`,
      );

      const intent = await readIntent(db);
      expect(intent.crowdsec.enabled).toBe(true);
      expect(intent.waf).toMatchObject({ enabled: false, settings: { paranoia: 1 } });
      expect((await auditRows(db)).map((a) => a.action)).toEqual(["recover"]);
      expect(await storeInvariants(db)).toEqual(healthyAt(1));
    });

    it("a legacy row ('security.crowdsec.enabled', 'true', 'bool') and crowdsec_mode 'disabled' are read as their old panel meant", async () => {
      const { db, url } = store();
      const now = provider === "sqlite" ? `'2026-01-01T00:00:00.000Z'` : `now()`;
      await sql(
        url,
        `INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES ('security.crowdsec.enabled', 'true', 'bool', 'security', ${now}), ('security.waf.enabled', 'Yes', '', 'security', ${now}), ('security.rate_limit.enabled', 'ON', 'boolean', 'security', ${now})`,
      );
      const intent = await readIntent(db);
      expect([intent.crowdsec.enabled, intent.waf.enabled, intent.rate_limit.enabled]).toEqual([true, true, true]);
      expect((await auditRows(db)).at(-1)).toMatchObject({ action: "recover", error: null });

      await sql(url, `DELETE FROM "security_configs"`);
      await sql(url, `DELETE FROM "settings"`);
      await sql(
        url,
        `INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES ('security.crowdsec.mode', 'disabled', 'string', 'security', ${now})`,
      );
      const seedOff = await readIntent(db);
      expect(seedOff.crowdsec).toMatchObject({ enabled: false, settings: { mode: "local" } });
    });

    it("a switch no known spelling reads is not silently off: WARN with the raw value, and the audit row keeps it", async () => {
      const { db, url } = store();
      const now = provider === "sqlite" ? `'2026-01-01T00:00:00.000Z'` : `now()`;
      await sql(
        url,
        `INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES ('security.crowdsec.enabled', 'enabled-ish', 'bool', 'security', ${now})`,
      );
      const warn = vi.spyOn(log, "warn");
      const intent = await readIntent(db);
      expect(intent.crowdsec.enabled).toBe(false);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({
          event: "security_config_recreated",
          unreadableMirrorRows: [{ key: "security.crowdsec.enabled", value: "enabled-ish", type: "bool" }],
        }),
        expect.stringContaining('could not read security.crowdsec.enabled="enabled-ish" (type "bool"): the default was used'),
      );
      expect((await auditRows(db)).at(-1)!.error).toContain('unreadable mirror value security.crowdsec.enabled="enabled-ish" (type "bool")');
    });

    it("a change arriving while the row is missing recovers it first, in the same transaction", async () => {
      const { db, url } = store();
      await readIntent(db);
      await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: 0 }, ADMIN);
      await sql(url, `DELETE FROM "security_configs"`);
      // Recovery bumps every protection's version (mirror version 0 → 1 for WAF).
      const result = await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 1 }, ADMIN);
      expect(result.intent.crowdsec.enabled).toBe(true);
      expect(result.intent.waf).toMatchObject({ enabled: true, version: 2 });
      expect((await auditRows(db)).map((a) => a.action)).toEqual(["initialize", "toggle", "recover", "toggle"]);
      expect(await storeInvariants(db)).toEqual(healthyAt(4));
    });
  });

  it("a mirror edited behind the panel's back is rewritten from the config: one audited commit, consistent after", async () => {
    const { db, url } = store();
    await readIntent(db);
    await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN);
    const now = provider === "sqlite" ? `'2026-01-01T00:00:00.000Z'` : `now()`;
    await sql(url, `UPDATE "settings" SET "value" = 'false' WHERE "key" = 'security.waf.enabled'`);
    await sql(
      url,
      `INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES ('security.waf.legacy_knob', 'x', 'string', 'security', ${now})`,
    );
    expect((await checkStoreConsistency(db)).consistent).toBe(false);

    const result = await repairMirror(db, { actor: ADMIN.actor, requestId: "req-repair" });
    expect(result.rewritten.sort()).toEqual(["security.waf.enabled", "security.waf.legacy_knob"]);
    expect((await checkStoreConsistency(db)).consistent).toBe(true);
    const intent = await readIntent(db);
    expect(intent.waf).toMatchObject({ enabled: true, version: 1 }); // intent untouched
    expect((await auditRows(db)).at(-1)).toMatchObject({
      action: "repair_mirror",
      actor: ADMIN.actor,
      outcome: "committed",
      requestId: "req-repair",
      configVersion: intent.version,
    });
    expect(await storeInvariants(db)).toEqual(healthyAt(intent.version));
  });

  it("committed audit rows equal the global version throughout a mixed sequence", async () => {
    const { db, url } = store();
    const steps: ((db: Db) => Promise<unknown>)[] = [
      (d) => readIntent(d),
      (d) => toggleProtection(d, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN),
      (d) => toggleProtection(d, { protection: "waf", on: false, expectedVersion: 0 }, ADMIN), // stale
      (d) => updateProtection(d, { protection: "waf", changes: { paranoia: 4 }, expectedVersion: 1 }, ADMIN),
      (d) => updateProtection(d, { protection: "rate_limit", changes: { burst: -1 }, expectedVersion: 0 }, ADMIN), // bound
      (d) => toggleProtection(d, { protection: "firewall", on: true, expectedVersion: 0 }, ADMIN), // malformed
      (d) => toggleProtection(d, { protection: "rate_limit", on: true, expectedVersion: 0 }, ADMIN, { afterConfigWrite: () => Promise.reject(new Error("x")) }),
      (d) => toggleProtection(d, { protection: "rate_limit", on: true, expectedVersion: 0 }, ADMIN),
      () => sql(url, `DELETE FROM "security_configs"`),
      (d) => readIntent(d), // recover
      (d) => toggleProtection(d, { protection: "crowdsec", on: true, expectedVersion: 1 }, ADMIN),
    ];
    const versions: number[] = [];
    for (const step of steps) {
      await step(db).catch(() => undefined);
      const inv = await storeInvariants(db);
      if (!inv.configPresent) continue; // right after the deliberate delete
      expect(inv).toEqual(healthyAt(inv.globalVersion!));
      versions.push(inv.globalVersion!);
    }
    expect(versions).toEqual([1, 2, 2, 3, 3, 3, 3, 4, 5, 6]);
  });
});

describe("SQLite durability settings", () => {
  it("every client runs in WAL mode with synchronous=FULL, foreign keys on and a busy timeout", async () => {
    const url = await freshSqliteUrl();
    const db = createDb(url);
    try {
      const pragma = async (name: string) => Object.values((await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`))[0]!)[0];
      expect(String(await pragma("journal_mode")).toLowerCase()).toBe("wal");
      expect(Number(await pragma("synchronous"))).toBe(2); // FULL
      expect(Number(await pragma("foreign_keys"))).toBe(1);
      expect(Number(await pragma("busy_timeout"))).toBeGreaterThanOrEqual(5_000);
    } finally {
      await db.$disconnect();
    }
  });
});
