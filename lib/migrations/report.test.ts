import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { dropTestDatabases, emptyDatabase, emptySqliteUrl, tempDir } from "../../test/support/databases";
import { createDb } from "../db";
import { sqlitePath, type Provider } from "../db-url";
import { resetEnvCache } from "../env";
import { listAudit } from "../audit/list";
import { readIntent } from "../security/intent-store";
import { openRawConnection } from "./connection";
import { migrationsDir, readMigrationFolder } from "./folder";
import { GATE_CACHE_MS, resetSchemaGate, runBootGate, schemaGate, setSchemaGateClock } from "./gate";
import { sessionsUsable } from "./health";
import { MigrationError } from "./migrator";
import { healthBody } from "./health";
import { buildMigrationReport } from "./report";
import { resolveMigration } from "./resolve";
import { migrateDatabase } from "./run";

// Broken states of a real database, each a fixture, on both providers (docs/decisions/004).

afterAll(dropTestDatabases);
afterEach(() => {
  resetSchemaGate();
  delete process.env.WARDEN_MIGRATE_ON_BOOT;
  resetEnvCache();
});

async function sql(url: string, text: string): Promise<void> {
  const conn = await openRawConnection(url);
  try {
    await conn.exec(text);
  } finally {
    await conn.close();
  }
}

/** A copy of the provider's migrations folder holding only the first `count` migrations. */
function oldMigrations(provider: Provider, count: number): string {
  const source = migrationsDir(provider);
  const dir = join(tempDir("warden-old-migrations-"), "migrations");
  mkdirSync(dir, { recursive: true });
  for (const file of readMigrationFolder(source).slice(0, count)) cpSync(join(source, file.name), join(dir, file.name), { recursive: true });
  return dir;
}

function copyOfMigrations(provider: Provider): string {
  const dir = join(tempDir("warden-migrations-"), "migrations");
  cpSync(migrationsDir(provider), dir, { recursive: true });
  return dir;
}

describe.each(["sqlite", "postgresql"] as const)("migration report on %s", (provider) => {
  it("is healthy on a freshly migrated database", async () => {
    const url = await emptyDatabase(provider);
    await migrateDatabase(url);
    const report = await buildMigrationReport(url);
    expect(report.status).toBe("healthy");
    expect(report.summary).toMatch(/^Healthy: \d+ migrations applied, schema complete\.$/);
    expect(report.counts.applied).toBe(readMigrationFolder(migrationsDir(provider)).length);
    expect(report.schema!.missingTables).toEqual([]);
    expect(report.schema!.missingColumns).toEqual([]);
    expect(report.schema!.tables.find((t) => t.name === "security_configs")!.present).toBe(true);
    expect(report.database.reachable).toBe(true);
  });

  it("a table added by a newer migration is missing from an older database → pending, `migrate` is the remedy", async () => {
    const url = await emptyDatabase(provider);
    await migrateDatabase(url, {}, oldMigrations(provider, 1));
    const report = await buildMigrationReport(url);
    expect(report.schema!.missingTables).toContain("users");
    expect(report.reasons).toContain("table users is missing");
    expect(report.remedies.map((r) => r.command)).toEqual(["npm run cli -- migrate"]);
  });

  it("an old database (first migration only, with data) is pending; migrating upgrades it with the data intact", async () => {
    const url = await emptyDatabase(provider);
    await migrateDatabase(url, {}, oldMigrations(provider, 1));
    // What the old panel left: its columns only (createMany names just the fields given, so the
    // columns later migrations add are not mentioned), a toggle whose runtime result sits on its own row.
    const old = createDb(url);
    const at = new Date("2026-11-27T10:00:00Z");
    await old.securityConfig.createMany({
      data: [{ id: 1, version: 2, crowdsecEnabled: true, crowdsecVersion: 1, crowdsecChangedBy: "old-admin", crowdsecChangedAt: at }],
    });
    await old.securityAudit.createMany({
      data: [
        { at, actor: "system", action: "initialize", outcome: "committed", requestId: "old-1", configVersion: 1 },
        {
          at,
          actor: "old-admin",
          action: "toggle",
          protection: "crowdsec",
          outcome: "committed",
          requestId: "old-2",
          configVersion: 2,
          runtimeResult: JSON.stringify({ status: "applied", ms: 812 }),
        },
      ],
    });
    await old.$disconnect();

    const before = await buildMigrationReport(url);
    expect(before.status).toBe("pending");
    expect(sessionsUsable({ ok: false, report: before, degradedSince: null })).toBe(false);
    expect(before.counts.pending).toBeGreaterThanOrEqual(1);
    expect(before.schema!.missingTables).toContain("users");
    expect(before.summary).toMatch(/^Pending: \d+ migrations? not applied: \d+_auth(, \d+_\w+)*\. Run `npm run cli -- migrate`\.$/);

    await migrateDatabase(url);
    const after = await buildMigrationReport(url);
    expect(after.status).toBe("healthy");
    const db = createDb(url);
    try {
      const upgraded = await readIntent(db);
      expect(upgraded.crowdsec.enabled).toBe(true);
      expect(upgraded.crowdsec.changedBy).toBe("old-admin");
      expect(await db.securityAudit.count({ where: { outcome: "committed" } })).toBe(upgraded.version);
      // The old row keeps the runtime result it recorded, and the list still shows it on its line,
      // below the rate limit's conversion (the first read of this version's intent converts it).
      const [conversion, toggle] = (await listAudit(db, { page: 1, pageSize: 2 })).entries;
      expect(conversion).toMatchObject({ actor: "system", action: "convert_rate_limit" });
      expect(toggle).toMatchObject({ actor: "old-admin", action: "toggle", runtimeResult: { status: "applied", ms: 812 } });
    } finally {
      await db.$disconnect();
    }
  });

  it("boot gate: pending + auto-migrate on upgrades; auto-migrate off stays degraded until `migrate`, then heals without a restart once its cached verdict is GATE_CACHE_MS old", async () => {
    const onUrl = await emptyDatabase(provider);
    await migrateDatabase(onUrl, {}, oldMigrations(provider, 1));
    process.env.WARDEN_MIGRATE_ON_BOOT = "true";
    resetEnvCache();
    expect((await runBootGate(onUrl)).ok).toBe(true);
    resetSchemaGate();

    const offUrl = await emptyDatabase(provider);
    await migrateDatabase(offUrl, {}, oldMigrations(provider, 1));
    process.env.WARDEN_MIGRATE_ON_BOOT = "false";
    resetEnvCache();
    let now = Date.now();
    setSchemaGateClock(() => now);
    const boot = await runBootGate(offUrl);
    expect(boot.ok).toBe(false);
    expect(boot.report.status).toBe("pending");
    expect(boot.degradedSince).not.toBeNull();

    await migrateDatabase(offUrl);
    // The verdict is cached for GATE_CACHE_MS: up to then the gate still answers "pending"…
    now += GATE_CACHE_MS;
    expect((await schemaGate(offUrl)).report.status).toBe("pending");
    // …and past it, it looks again and sees the fix.
    now += 1;
    const healed = await schemaGate(offUrl);
    expect(healed.ok).toBe(true);
    expect(healed.degradedSince).toBeNull();
  });

  it("a table dropped by hand (security_configs missing) is degraded", async () => {
    const url = await emptyDatabase(provider);
    await migrateDatabase(url);
    await sql(url, `DROP TABLE "security_configs"`);
    const report = await buildMigrationReport(url);
    expect(report.status).toBe("degraded");
    expect(report.schema!.missingTables).toEqual(["security_configs"]);
    // Its migration is applied, so `migrate` would not bring it back: the report says so instead of
    // pointing at a command that does nothing.
    expect(report.summary).toMatch(/^Degraded: table security_configs is missing although migration \d+_init, which creates it, is applied/);
    expect(report.remedies).toEqual([]);
  });

  it("a column dropped by hand is a missing column", async () => {
    const url = await emptyDatabase(provider);
    await migrateDatabase(url);
    await sql(url, `ALTER TABLE "security_audits" DROP COLUMN "runtime_result"`);
    const report = await buildMigrationReport(url);
    expect(report.status).toBe("degraded");
    expect(report.schema!.missingColumns).toEqual(["security_audits.runtime_result"]);
    expect(report.reasons).toContain("column security_audits.runtime_result is missing");
  });

  it("an unfinished migration row is failed; migrate refuses and names `migrate resolve`; resolve --rolled-back lets it run again", async () => {
    const url = await emptyDatabase(provider);
    const dir = oldMigrations(provider, 1);
    await migrateDatabase(url, {}, dir);
    const second = readMigrationFolder(migrationsDir(provider))[1]!;
    const now = provider === "sqlite" ? `'${new Date().toISOString()}'` : "now()";
    await sql(
      url,
      `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "logs", "started_at", "applied_steps_count") VALUES ('x-failed', '${second.checksum}', '${second.name}', 'boom', ${now}, 0)`,
    );
    const report = await buildMigrationReport(url);
    expect(report.status).toBe("degraded");
    expect(report.migrations.find((m) => m.name === second.name)).toMatchObject({ state: "failed", logs: "boom" });
    // The failed migration is named first, even with later ones pending behind it, and the fixes are
    // exact command lines, one per choice, each saying when to use it.
    expect(report.summary).toBe(`Degraded: migration ${second.name} failed. Resolve it with one of the commands given.`);
    expect(report.remedies.map((r) => r.command)).toEqual([
      `npm run cli -- migrate resolve --rolled-back ${second.name}`,
      `npm run cli -- migrate resolve --applied ${second.name}`,
    ]);
    for (const remedy of report.remedies) expect(remedy.when).toMatch(/\w+.*\./);
    expect(healthBody({ ok: false, report, degradedSince: null })).toMatchObject({ failedMigrations: [second.name] });
    expect(JSON.stringify(healthBody({ ok: false, report, degradedSince: null }))).not.toContain("boom"); // its error: admins and the CLI only

    const refused = await migrateDatabase(url).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MigrationError);
    expect((refused as Error).message).toContain(`migrate resolve --applied ${second.name}`);

    const conn = await openRawConnection(url);
    try {
      expect(await resolveMigration(conn, url, second.name, "rolled-back")).toContain("rolled back");
    } finally {
      await conn.close();
    }
    expect((await buildMigrationReport(url)).migrations.find((m) => m.name === second.name)!.state).toBe("rolled_back");
    await migrateDatabase(url);
    expect((await buildMigrationReport(url)).status).toBe("healthy");
  });

  it("a migration file edited after it was applied is modified", async () => {
    const url = await emptyDatabase(provider);
    const dir = copyOfMigrations(provider);
    await migrateDatabase(url, {}, dir);
    const first = readMigrationFolder(dir)[0]!;
    writeFileSync(first.path, first.script + "\n-- edited by hand\n");
    const report = await buildMigrationReport(url, { dir });
    expect(report.status).toBe("degraded");
    expect(report.migrations.find((m) => m.name === first.name)!.state).toBe("modified");
    expect(report.counts.modified).toBe(1);
    // The account tables are intact: an admin can still sign in for the full report.
    expect(sessionsUsable({ ok: false, report, degradedSince: null })).toBe(true);
  });

  it("a history row for a migration missing from the folder is unknown", async () => {
    const url = await emptyDatabase(provider);
    await migrateDatabase(url);
    const now = provider === "sqlite" ? `'${new Date().toISOString()}'` : "now()";
    await sql(
      url,
      `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count") VALUES ('x-unknown', 'abc', '20990101000000_from_the_future', ${now}, ${now}, 1)`,
    );
    const report = await buildMigrationReport(url);
    expect(report.status).toBe("degraded");
    expect(report.migrations.find((m) => m.name === "20990101000000_from_the_future")!.state).toBe("unknown");
  });

  it("a migration that fails half-way leaves nothing applied and no history row claiming success", async () => {
    const url = await emptyDatabase(provider);
    const dir = copyOfMigrations(provider);
    mkdirSync(join(dir, "20990101000000_half_way"));
    writeFileSync(
      join(dir, "20990101000000_half_way", "migration.sql"),
      `CREATE TABLE "half_way" ("id" INTEGER NOT NULL);\nINSERT INTO "no_such_table" VALUES (1);\n`,
    );
    const failure = await migrateDatabase(url, {}, dir).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).statement).toContain("no_such_table");
    const report = await buildMigrationReport(url, { dir });
    expect(report.status).toBe("degraded");
    expect(report.migrations.find((m) => m.name === "20990101000000_half_way")!.state).toBe("failed");
    expect(report.schema!.unexpectedTables).not.toContain("half_way");
  });
});

// The report reaches pages and API responses: it names the cause, never the connection string or a part
// of it (the CLI and the server log name the database separately, without credentials).
const connectionParts = (text: string, parts: string[]) => parts.filter((part) => text.includes(part));

describe("unusable databases give one clear sentence naming the cause, never the connection string", () => {
  it("PostgreSQL down (nothing listening), password in the user info or in the query string", async () => {
    for (const url of [
      "postgres://app_user:hunter2secret@127.0.0.1:1/warden_x9",
      "postgres://app_user@127.0.0.1:1/warden_x9?password=hunter2secret&sslmode=disable",
    ]) {
      const report = await buildMigrationReport(url);
      expect(report.status).toBe("degraded");
      expect(report.database.reachable).toBe(false);
      expect(report.summary).toContain("connection refused");
      const everything = JSON.stringify(report);
      expect(connectionParts(everything, ["hunter2secret", "app_user", "127.0.0.1", "warden_x9", ":1/"])).toEqual([]);
    }
  });

  it("a PostgreSQL database that does not exist", async () => {
    const report = await buildMigrationReport("postgres://postgres@127.0.0.1:5432/warden_no_such_db");
    expect(report.summary).toContain("the database does not exist");
    expect(JSON.stringify(report)).not.toContain("warden_no_such_db");
  });

  it("SQLite: a directory where the file should be", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "warden.db"));
    const report = await buildMigrationReport(`file:${join(dir, "warden.db")}`);
    expect(report.database.reachable).toBe(false);
    expect(report.summary).toContain("the path is a directory, not a database file");
    expect(report.remedies).toEqual([]);
  });

  it("SQLite: a garbage file", async () => {
    const path = join(tempDir(), "warden.db");
    writeFileSync(path, "this is not a database, just text ".repeat(200));
    const report = await buildMigrationReport(`file:${path}`);
    expect(report.database.reachable).toBe(false);
    expect(report.summary).toContain("not an SQLite database");
  });

  it("SQLite: a missing file is not created by looking at it", async () => {
    const url = `file:${join(tempDir(), "absent.db")}`;
    const report = await buildMigrationReport(url);
    expect(report.database.reachable).toBe(false);
    expect(report.summary).toContain("the file does not exist yet");
    expect(report.remedies.map((r) => r.command)).toEqual(["npm run cli -- migrate"]); // migrate creates it
    const { existsSync } = await import("node:fs");
    expect(existsSync(sqlitePath(url, { createDir: false }))).toBe(false);
  });

  it("SQLite: a file the server's user cannot read (CLI status run as nobody)", async () => {
    // We run as root, for whom chmod does not make a file unreadable: run the reader as another user.
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const url = `file:${join(dir, "warden.db")}`;
    await migrateDatabase(url);
    chmodSync(sqlitePath(url), 0o600);
    const status = spawnSync(
      "setpriv",
      [
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        process.execPath,
        "node_modules/tsx/dist/cli.mjs",
        "--conditions=react-server",
        "lib/cli/main.ts",
        "status",
      ],
      { env: { ...process.env, DATABASE_URL: url, HOME: tmpdir() }, encoding: "utf8" },
    );
    expect(status.status).toBe(1);
    expect(status.stdout).toContain(`Database: ${url} (sqlite)`);
    expect(status.stdout).toContain("cannot open the file (no permission for the server's user?)");
    expect(status.stdout).not.toContain("    at ");
  });

  it("SQLite: a database locked by another writer", async () => {
    const url = emptySqliteUrl();
    await migrateDatabase(url);
    const Database = (await import("better-sqlite3")).default;
    const holder = new Database(sqlitePath(url));
    holder.pragma("journal_mode = DELETE");
    holder.exec("BEGIN EXCLUSIVE");
    try {
      const report = await buildMigrationReport(url, { timeoutMs: 200 });
      expect(report.database.reachable).toBe(false);
      expect(report.summary).toContain("locked");
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });
});
