import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "../db";
import { providerOf, type Provider } from "../db-url";
import { log } from "../log";
import { openRawConnection } from "../migrations/connection";
import { migrationsDir, readMigrationFolder } from "../migrations/folder";
import { applyMigrations } from "../migrations/migrator";
import { migrateDatabase } from "../migrations/run";
import { DEFAULT_CROWDSEC_SETTINGS } from "../engine/crowdsec/settings";
import { edgeSettingsFrom } from "../engine/edge/settings";
import { createEngine } from "../engine/engine";
import { reconcile } from "../reconcile/reconciler";
import { dropTestDatabases, emptyDatabase, tempDir } from "../../test/support/databases";
import { FakeCrowdsecDriver } from "../../test/support/fake-driver";
import { auditRows, healthyAt, storeInvariants } from "../../test/support/store-state";
import { checkStoreConsistency } from "./consistency";
import { readIntent, toggleProtection } from "./intent-store";
import { convertRateLimitIntent } from "./rate-limit-upgrade";

// The upgrade that enforces rate limits at the edge, on real SQLite and PostgreSQL databases: a
// database as the previous version left it (rate limit stored as requests per window, its mirror
// keys), migrated, then this version's boot converts the intent once: one audited system commit
// logged at WARN, the mirror rewritten (no old keys left for the store check to report).

const MIGRATION = "20261208090000_edge_rate_limit";
const dbs: Db[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dbs.splice(0)) await d.$disconnect();
});
afterAll(dropTestDatabases);

interface OldLimit {
  enabled: boolean;
  requests: number;
  windowSec: number;
  burst: number;
}

/** A database migrated up to the previous version, holding the intent an old panel wrote (version 1). */
async function previousVersion(provider: Provider, limit: OldLimit): Promise<string> {
  const url = await emptyDatabase(provider);
  const files = readMigrationFolder(migrationsDir(providerOf(url)));
  const conn = await openRawConnection(url);
  const p = (i: number) => (provider === "sqlite" ? "?" : `$${i}`);
  const now = provider === "sqlite" ? new Date().toISOString().replace("Z", "+00:00") : new Date();
  try {
    await applyMigrations(
      conn,
      files.slice(
        0,
        files.findIndex((f) => f.name === MIGRATION),
      ),
    );
    await conn.query(
      `INSERT INTO "security_configs" ("id", "version", "rate_limit_enabled", "rate_limit_requests", "rate_limit_window_sec", "rate_limit_burst", "rate_limit_version", "updated_at")
       VALUES (1, 1, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0, ${p(5)})`,
      [provider === "sqlite" ? Number(limit.enabled) : limit.enabled, limit.requests, limit.windowSec, limit.burst, now],
    );
    const mirror: [string, string, string][] = [
      ["security.version", "1", "number"],
      ["security.crowdsec.enabled", "false", "boolean"],
      ["security.crowdsec.mode", "local", "string"],
      ["security.crowdsec.lapi_url", "", "null"],
      ["security.crowdsec.version", "0", "number"],
      ["security.waf.enabled", "false", "boolean"],
      ["security.waf.mode", "detect", "string"],
      ["security.waf.paranoia", "1", "number"],
      ["security.waf.inbound_threshold", "5", "number"],
      ["security.waf.outbound_threshold", "4", "number"],
      ["security.waf.version", "0", "number"],
      ["security.rate_limit.enabled", String(limit.enabled), "boolean"],
      ["security.rate_limit.requests", String(limit.requests), "number"],
      ["security.rate_limit.window_sec", String(limit.windowSec), "number"],
      ["security.rate_limit.burst", String(limit.burst), "number"],
      ["security.rate_limit.version", "0", "number"],
    ];
    for (const [key, value, type] of mirror) {
      await conn.query(`INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES (${p(1)}, ${p(2)}, ${p(3)}, 'security', ${p(4)})`, [
        key,
        value,
        type,
        now,
      ]);
    }
    const after = JSON.stringify({
      crowdsec: { enabled: false, mode: "local", lapiUrl: null },
      waf: { enabled: false, mode: "detect", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 },
      rate_limit: { enabled: limit.enabled, requests: limit.requests, windowSec: limit.windowSec, burst: limit.burst },
    });
    await conn.query(
      `INSERT INTO "security_audits" ("at", "actor", "action", "protection", "after", "outcome", "request_id", "config_version") VALUES (${p(1)}, 'system', 'initialize', NULL, ${p(2)}, 'committed', 'boot-1', 1)`,
      [now, after],
    );
  } finally {
    await conn.close();
  }
  await migrateDatabase(url); // what the boot gate does with WARDEN_MIGRATE_ON_BOOT
  return url;
}

function open(url: string): Db {
  const db = createDb(url);
  dbs.push(db);
  return db;
}

/** The conversion's audit rows, their before/after read back from JSON. */
const conversions = (rows: Awaited<ReturnType<typeof auditRows>>) =>
  rows
    .filter((r) => r.action === "convert_rate_limit")
    .map((r) => ({ ...r, before: JSON.parse(r.before ?? "null") as unknown, after: JSON.parse(r.after ?? "null") as unknown }));

describe.each(["sqlite", "postgresql"] as const)("the rate limit stored by the previous version, at this version's first boot (%s)", (provider) => {
  it("is converted once: a system commit with one audit row (old values before, new after), logged at WARN, the old mirror keys gone", async () => {
    const db = open(await previousVersion(provider, { enabled: true, requests: 250, windowSec: 10, burst: 5 }));
    const warn = vi.spyOn(log, "warn");

    const row = await convertRateLimitIntent(db, "boot-convert");
    expect(row).toMatchObject({ version: 2, rateLimitRate: 1500, rateLimitUnit: "minute", rateLimitBurst: 250, rateLimitExcess: "reject" });
    const intent = await readIntent(db);
    expect(intent.rate_limit).toMatchObject({
      enabled: true,
      version: 1,
      changedBy: "system",
      settings: { rate: 1500, unit: "minute", burst: 250, excess: "reject" },
    });

    const converted = conversions(await auditRows(db));
    expect(converted).toHaveLength(1);
    expect(converted[0]).toMatchObject({
      actor: "system",
      protection: "rate_limit",
      outcome: "committed",
      configVersion: 2,
      requestId: "boot-convert",
      error: null,
      before: { enabled: true, requests: 250, windowSec: 10, burst: 5 },
      after: { enabled: true, rate: 1500, unit: "minute", burst: 250, excess: "reject" },
    });
    const logged = warn.mock.calls.filter(([f]) => (f as { event?: string }).event === "rate_limit_converted");
    expect(logged).toHaveLength(1);
    expect(logged[0]![1]).toBe("rate limit converted once for the edge: 250 requests per 10 s (burst 5) → 1500 per minute, burst 250, excess reject");

    // No store drift after the upgrade: the mirror holds the new keys and none of the old ones.
    expect(await checkStoreConsistency(db)).toMatchObject({ consistent: true, mismatches: [] });
    const keys = (await db.setting.findMany({ where: { key: { startsWith: "security.rate_limit." } } })).map((s) => s.key).sort();
    expect(keys).toEqual([
      "security.rate_limit.burst",
      "security.rate_limit.enabled",
      "security.rate_limit.excess",
      "security.rate_limit.rate",
      "security.rate_limit.unit",
      "security.rate_limit.version",
    ]);
    expect(await storeInvariants(db)).toEqual(healthyAt(2));

    // The next boot finds nothing to do; the old columns are kept as they were (a downgrade reads them).
    await convertRateLimitIntent(db);
    await readIntent(db);
    expect(conversions(await auditRows(db))).toHaveLength(1);
    expect(await db.securityConfig.findUnique({ where: { id: 1 } })).toMatchObject({ version: 2, rateLimitRequests: 250, rateLimitWindowSec: 10 });
  });

  it("replicas booting at once convert once; the first read or change converts when boot has not yet", async () => {
    const url = await previousVersion(provider, { enabled: false, requests: 100, windowSec: 60, burst: 10 });
    const replicas = [open(url), open(url), open(url)];
    const boots = [() => convertRateLimitIntent(replicas[0]!), () => convertRateLimitIntent(replicas[1]!), () => readIntent(replicas[2]!)];
    // Replicas share a PostgreSQL database and race for real. SQLite has one panel; its clients in one
    // process take turns (the driver waits for a lock synchronously, blocking the holder's commit).
    if (provider === "postgresql") await Promise.all(boots.map((boot) => boot()));
    else for (const boot of boots) await boot();
    const rows = conversions(await auditRows(replicas[0]!));
    expect(rows).toHaveLength(1);
    // The old defaults became the new defaults.
    expect(rows[0]!.after).toEqual({ enabled: false, rate: 100, unit: "minute", burst: 10, excess: "reject" });
    expect(await storeInvariants(replicas[0]!)).toEqual(healthyAt(2));

    // A change that comes first converts too, then commits on top of the converted intent.
    const other = open(await previousVersion(provider, { enabled: false, requests: 30, windowSec: 60, burst: 0 }));
    const toggled = await toggleProtection(other, { protection: "rate_limit", on: true, expectedVersion: 1 }, { actor: "admin" });
    expect(toggled.intent.rate_limit).toMatchObject({ enabled: true, version: 2, settings: { rate: 30, unit: "minute", burst: 30 } });
    expect((await auditRows(other)).map((r) => [r.action, r.configVersion])).toEqual([
      ["initialize", 1],
      ["convert_rate_limit", 2],
      ["toggle", 3],
    ]);
  });

  it("the reconciler (at boot, or `npm run cli -- reconcile`) reads the converted intent, never the old one", async () => {
    const db = open(await previousVersion(provider, { enabled: true, requests: 20, windowSec: 1, burst: 0 }));
    const dir = tempDir("warden-rate-upgrade-");
    const engine = createEngine(db, {
      drivers: { crowdsec: new FakeCrowdsecDriver() },
      crowdsec: { ...DEFAULT_CROWDSEC_SETTINGS, instanceDir: path.join(dir, "crowdsec") },
      edge: edgeSettingsFrom({ instanceDir: path.join(dir, "edge"), bin: path.join(dir, "no-nginx") }),
      waf: { tuningFile: path.join(dir, "waf", "crs-tuning.conf") },
    });
    try {
      const tally = await reconcile(db, engine, "cli");
      expect(tally.intentVersion).toBe(2);
      expect(tally.decisions.find((d) => d.protection === "rate_limit")).toMatchObject({ desired: "enforced", action: "render" });
      expect(conversions(await auditRows(db))).toHaveLength(1);
      expect((await readIntent(db)).rate_limit.settings).toEqual({ rate: 1200, unit: "minute", burst: 20, excess: "reject" });
    } finally {
      engine.close();
    }
  });

  it("a limit past the new bounds is capped, and the audit row keeps the original values and says what was capped", async () => {
    const db = open(await previousVersion(provider, { enabled: true, requests: 1_000_000, windowSec: 1, burst: 0 }));
    await convertRateLimitIntent(db);
    const [row] = conversions(await auditRows(db));
    expect(row).toMatchObject({
      before: { enabled: true, requests: 1_000_000, windowSec: 1, burst: 0 },
      after: { enabled: true, rate: 100_000, unit: "second", burst: 100_000, excess: "reject" },
      error: "rate 1000000 per second capped to 100000; burst 1000000 capped to 100000",
    });
  });
});
