import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { sqlitePath, type Provider } from "../../db-url";
import { resetEnvCache } from "../../env";
import { log } from "../../log";
import { countRows, describeSchema, digestTables, execSql } from "../../../test/support/db-snapshot";
import { dropTestDatabases, emptyDatabase, tempDir } from "../../../test/support/databases";
import { migrationsDir, readMigrationFolder } from "../folder";
import { buildMigrationReport } from "../report";
import { migrateDatabase } from "../run";
import { MigrationFailedAfterBackup, migrateSafely } from "../safe-migrate";
import { takeBackup } from "./take-backup";
import { dryRunMigrations } from "./dry-run";
import { claimDatabase, holdDatabaseInUse } from "./in-use";
import { restoreBackup } from "./restore-backup";
import { listBackups, manifestPath } from "./catalog";

afterAll(dropTestDatabases);
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.WARDEN_PG_BIN_DIR;
  resetEnvCache();
});

const ROOT = join(import.meta.dirname, "..", "..", "..");
const realNames = (provider: Provider) => readMigrationFolder(migrationsDir(provider)).map((m) => m.name);

/** The provider's real migrations plus extra ones, in a folder of their own (Prisma's layout). */
function migrationsWith(provider: Provider, extra: Record<string, string>): string {
  const dir = join(tempDir("warden-backup-migrations-"), "migrations");
  mkdirSync(dir, { recursive: true });
  cpSync(migrationsDir(provider), dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

/** A migrated database with a few rows in it: something to lose. */
async function usedDatabase(provider: Provider): Promise<string> {
  const url = await emptyDatabase(provider);
  await migrateDatabase(url);
  await execSql(
    url,
    `INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES
       ('security.waf.enabled', 'true', 'boolean', 'security', '2026-12-01T10:00:00.000Z'),
       ('security.waf.mode', 'block', 'string', 'security', '2026-12-01T10:00:00.000Z');
     INSERT INTO "users" ("id", "name", "email", "username", "updated_at") VALUES ('u1', 'ops', 'ops@warden.invalid', 'ops', '2026-12-01T10:00:00.000Z');
     INSERT INTO "sessions" ("id", "expires_at", "token", "updated_at", "user_id") VALUES ('s1', '2099-01-01T00:00:00.000Z', 'token-1', '2026-12-01T10:00:00.000Z', 'u1');`,
  );
  return url;
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const visibleFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

// A migration that fails half-way: its first statement works, its second cannot.
const HALF_WAY = "20990101000000_half_way";
const HALF_WAY_SQL = `-- CreateTable\nCREATE TABLE "half_done" ("id" INTEGER NOT NULL PRIMARY KEY);\n\n-- Bad\nINSERT INTO "no_such_table" ("id") VALUES (1);\n`;
const GOOD = "20990101000000_add_notes";
const GOOD_SQL = `-- CreateTable\nCREATE TABLE "notes" ("id" INTEGER NOT NULL PRIMARY KEY, "body" TEXT NOT NULL);\n`;

describe.each(["sqlite", "postgresql"] as const)("backups on %s", (provider) => {
  it("takes a backup into a 0700 directory: a 0600 file with a 0600 manifest (time, provider, migrations, size, checksum), the last N kept", async () => {
    const url = await usedDatabase(provider);
    const dir = join(tempDir(), "backups");
    const backup = await takeBackup(url, { dir, retention: 3 });
    expect(modeOf(dir)).toBe("700");
    expect(modeOf(backup.path)).toBe("600");
    expect(modeOf(manifestPath(backup.path))).toBe("600");
    const manifest = JSON.parse(readFileSync(manifestPath(backup.path), "utf8"));
    expect(manifest).toMatchObject({ format: 1, provider, reason: "manual", migrations: realNames(provider), size: statSync(backup.path).size });
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(manifest.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(backup.restoreCommand).toBe(`npm run cli -- restore ${backup.path}`);
    // Only finished backups and their manifests are in the directory.
    expect(visibleFiles(dir)).toEqual([backup.file, `${backup.file}.json`]);

    for (let i = 0; i < 4; i++) await takeBackup(url, { dir, retention: 3 });
    const kept = listBackups(dir);
    expect(kept).toHaveLength(3);
    expect(kept.map((b) => b.path)).not.toContain(backup.path);
    expect(visibleFiles(dir)).toHaveLength(6);
  });

  it("migrate: no backup for a fresh database (INFO), a backup before applying to a used one, --no-backup skips it with a WARN", async () => {
    const info = vi.spyOn(log, "info");
    const warn = vi.spyOn(log, "warn");
    const dir = join(tempDir(), "backups");
    const fresh = await emptyDatabase(provider);
    const first = await migrateSafely(fresh, { backupsDir: dir });
    expect(first.backupSkipped).toBe("fresh-install");
    expect(first.applied.map((a) => a.name)).toEqual(realNames(provider));
    expect(info).toHaveBeenCalledWith(
      expect.objectContaining({ event: "backup_skipped", reason: expect.stringContaining("fresh install") }),
      expect.any(String),
    );
    expect(listBackups(dir)).toHaveLength(0);

    const url = await usedDatabase(provider);
    const migrations = migrationsWith(provider, { [GOOD]: GOOD_SQL });
    const result = await migrateSafely(url, { migrationsDir: migrations, backupsDir: dir });
    expect(result.applied.map((a) => a.name)).toEqual([GOOD]);
    expect(result.backup).not.toBeNull();
    // The backup holds the database as it was before the migration.
    expect(result.backup!.migrations).toEqual(realNames(provider));
    expect(result.backup!.reason).toBe("before-migrate");

    const other = await usedDatabase(provider);
    const skipped = await migrateSafely(other, { migrationsDir: migrations, backupsDir: dir, backup: false });
    expect(skipped.backupSkipped).toBe("no-backup");
    expect(skipped.backup).toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "backup_skipped", reason: "--no-backup" }), expect.stringContaining("WITHOUT a backup"));
    expect(listBackups(dir)).toHaveLength(1);

    // Nothing pending: no backup either.
    expect((await migrateSafely(url, { migrationsDir: migrations, backupsDir: dir })).backupSkipped).toBe("nothing-pending");
    expect(listBackups(dir)).toHaveLength(1);
  });

  it("a migration failing half-way: the dry run names the statement and leaves the database untouched; the real apply leaves its backup, whose restore undoes it", async () => {
    const url = await usedDatabase(provider);
    const dir = join(tempDir(), "backups");
    const migrations = migrationsWith(provider, { [HALF_WAY]: HALF_WAY_SQL });
    const schemaBefore = await describeSchema(url);
    const rowsBefore = await digestTables(url);

    const dry = await dryRunMigrations(url, { migrationsDir: migrations, dir });
    expect(dry.ok).toBe(false);
    expect(dry.steps).toHaveLength(1);
    expect(dry.steps[0]).toMatchObject({ name: HALF_WAY, status: "failed" });
    expect(dry.steps[0]!.statement).toContain(`INSERT INTO "no_such_table"`);
    expect(dry.steps[0]!.error).toMatch(/no_such_table|no such table/);
    expect(dry.verdict.status).toBe("degraded");
    expect(dry.verdict.summary).toContain(`migration ${HALF_WAY} failed`);
    // Logically untouched: identical schema, identical rows in every table; no copy left behind.
    expect(await describeSchema(url)).toEqual(schemaBefore);
    expect(await digestTables(url)).toEqual(rowsBefore);
    expect(visibleFiles(dir)).toEqual([]);

    const error = await migrateSafely(url, { migrationsDir: migrations, backupsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFailedAfterBackup);
    const failure = error as MigrationFailedAfterBackup;
    expect(failure.backup).not.toBeNull();
    expect(existsSync(failure.backup!.path)).toBe(true);
    expect(failure.message).toContain(`INSERT INTO "no_such_table"`);
    expect(failure.message).toContain(`to return to it: npm run cli -- restore ${failure.backup!.path}`);
    expect((await buildMigrationReport(url, { dir: migrations })).counts.failed).toBe(1);

    const restored = await restoreBackup(url, failure.backup!.path, { dir });
    // Back to before the attempt: no failed row, the migration pending again, the same rows (the
    // sessions aside: a restore ends them all).
    expect(restored.report.status).toBe("healthy");
    expect((await buildMigrationReport(url, { dir: migrations })).counts).toMatchObject({ failed: 0, pending: 1 });
    const { sessions: _s, ...others } = rowsBefore;
    expect(await digestTables(url, Object.fromEntries(Object.entries(others).map(([t, d]) => [t, d.columns])))).toEqual(others);
  });

  it("a dry run of a good migration reports its duration and a healthy verdict, and changes nothing", async () => {
    const url = await usedDatabase(provider);
    const dir = join(tempDir(), "backups");
    const migrations = migrationsWith(provider, { [GOOD]: GOOD_SQL });
    const schemaBefore = await describeSchema(url);
    const rowsBefore = await digestTables(url);
    const dry = await dryRunMigrations(url, { migrationsDir: migrations, dir });
    expect(dry.ok).toBe(true);
    expect(dry.steps).toEqual([{ name: GOOD, status: "applied", ms: expect.any(Number), statement: null, error: null }]);
    // "notes" is no model's table: listed as unexpected, which does not make a schema unhealthy.
    expect(dry.verdict).toMatchObject({ status: "healthy", reasons: [] });
    expect(await describeSchema(url)).toEqual(schemaBefore);
    expect(await digestTables(url)).toEqual(rowsBefore);
    expect(visibleFiles(dir)).toEqual([]);
  });

  it("restores the exact content: rows and tables added after the backup are gone, every session is ended, the state is reported", async () => {
    const url = await usedDatabase(provider);
    const dir = join(tempDir(), "backups");
    const backup = await takeBackup(url, { dir });
    const before = await digestTables(url);
    await execSql(url, `DELETE FROM "settings"; CREATE TABLE "stray" ("id" INTEGER NOT NULL PRIMARY KEY); INSERT INTO "stray" VALUES (1);`);
    const file = provider === "sqlite" ? sqlitePath(url, { createDir: false }) : null;
    const inode = file ? statSync(file).ino : null;
    const result = await restoreBackup(url, { latest: true }, { dir });
    // SQLite: written into the live file through the backup API, never a file swapped in under a process.
    if (file) expect({ ino: statSync(file).ino, mode: modeOf(file) }).toEqual({ ino: inode, mode: "600" });
    expect(result.backup.path).toBe(backup.path);
    expect(result.sessionsEnded).toBe(1);
    expect(result.report.status).toBe("healthy");
    const after = await digestTables(url);
    expect(after.stray).toBeUndefined();
    expect(after.settings).toEqual(before.settings);
    expect(after.users).toEqual(before.users);
    expect(await countRows(url, "sessions")).toBe(0);
  });

  it("refuses a truncated backup, a wrong checksum, a missing manifest and a backup of the other provider before touching anything", async () => {
    const url = await usedDatabase(provider);
    const dir = join(tempDir(), "backups");
    const backup = await takeBackup(url, { dir });
    await execSql(url, `DELETE FROM "settings"`);
    const state = await digestTables(url);

    const truncated = join(tempDir(), backup.file);
    cpSync(backup.path, truncated);
    cpSync(manifestPath(backup.path), manifestPath(truncated));
    truncateSync(truncated, Math.floor(backup.size / 2));
    await expect(restoreBackup(url, truncated, { dir })).rejects.toThrow(/truncated or replaced\?\): refused, nothing was changed/);

    const tampered = join(tempDir(), backup.file);
    cpSync(backup.path, tampered);
    const manifest = JSON.parse(readFileSync(manifestPath(backup.path), "utf8"));
    writeFileSync(manifestPath(tampered), JSON.stringify({ ...manifest, sha256: "0".repeat(64) }));
    await expect(restoreBackup(url, tampered, { dir })).rejects.toThrow(/does not match its checksum.*refused, nothing was changed/);

    const bare = join(tempDir(), backup.file);
    cpSync(backup.path, bare);
    await expect(restoreBackup(url, bare, { dir })).rejects.toThrow(/has no manifest/);

    const foreign = join(tempDir(), backup.file);
    cpSync(backup.path, foreign);
    writeFileSync(manifestPath(foreign), JSON.stringify({ ...manifest, provider: provider === "sqlite" ? "postgresql" : "sqlite" }));
    await expect(restoreBackup(url, foreign, { dir })).rejects.toThrow(
      /is a backup of a (SQLite|PostgreSQL) database; DATABASE_URL is (SQLite|PostgreSQL): refused/,
    );

    expect(await digestTables(url)).toEqual(state);
  });

  it("--latest with no backups, and a backup directory that is a file: clear errors; migrate then applies nothing", async () => {
    const url = await usedDatabase(provider);
    const empty = join(tempDir(), "backups");
    await expect(restoreBackup(url, { latest: true }, { dir: empty })).rejects.toThrow(/there is no backup of a (SQLite|PostgreSQL) database in .* to restore/);

    const file = join(tempDir(), "backups");
    writeFileSync(file, "not a directory");
    await expect(takeBackup(url, { dir: file })).rejects.toThrow(`the backup directory ${file} is a file, not a directory`);
    const migrations = migrationsWith(provider, { [GOOD]: GOOD_SQL });
    await expect(migrateSafely(url, { migrationsDir: migrations, backupsDir: file })).rejects.toThrow(/is a file, not a directory/);
    expect((await buildMigrationReport(url, { dir: migrations })).counts.pending).toBe(1);
    expect(readFileSync(file, "utf8")).toBe("not a directory");
  });

  it("refuses to restore while a panel uses the database, unless --force", async () => {
    const url = await usedDatabase(provider);
    const dir = join(tempDir(), "backups");
    await takeBackup(url, { dir });
    await execSql(url, `DELETE FROM "settings"`);
    const panel = holdDatabaseInUse(url);
    try {
      // The panel takes its lock in the background (it never delays boot).
      await expect
        .poll(async () => {
          const claim = await claimDatabase(url);
          if ("hold" in claim) await claim.hold.release();
          return "busy" in claim;
        })
        .toBe(true);
      await expect(restoreBackup(url, { latest: true }, { dir })).rejects.toThrow(/running panel.*stop the panel first \(or pass --force/);
      expect(await countRows(url, "settings")).toBe(0);
      const forced = await restoreBackup(url, { latest: true }, { dir, force: true });
      expect(forced.forced).toBe(true);
      expect(await countRows(url, "settings")).toBe(2);
    } finally {
      await panel.release();
    }
    const free = await claimDatabase(url);
    expect("hold" in free).toBe(true);
    if ("hold" in free) await free.hold.release();
  });

  it("two migrators at once (two replicas): the migration is applied once; on PostgreSQL the second waits on the migration lock and takes no backup", async () => {
    const url = await usedDatabase(provider);
    const dir = join(tempDir(), "backups");
    const migrations = migrationsWith(provider, { [GOOD]: GOOD_SQL });
    const [a, b] = await Promise.all([
      migrateSafely(url, { migrationsDir: migrations, backupsDir: dir }),
      migrateSafely(url, { migrationsDir: migrations, backupsDir: dir }),
    ]);
    expect([...a.applied, ...b.applied].map((x) => x.name)).toEqual([GOOD]);
    expect((await buildMigrationReport(url, { dir: migrations })).counts).toMatchObject({ applied: realNames(provider).length + 1, pending: 0, failed: 0 });
    if (provider === "postgresql") {
      expect([a.backupSkipped, b.backupSkipped].sort()).toEqual(["nothing-pending", null]);
      expect(listBackups(dir)).toHaveLength(1);
    }
  });

  it("the disk full during a backup (file size limit): `migrate` exits 1, leaves no half backup and applies nothing", async () => {
    const url = await usedDatabase(provider);
    // Enough rows that the backup outgrows the limit; the database itself is only read before it fails.
    // Random text, so that pg_dump's compression cannot shrink it under the limit.
    const random = provider === "sqlite" ? "hex(randomblob(100))" : "md5(random()::text) || md5(random()::text) || md5(random()::text)";
    await execSql(
      url,
      `INSERT INTO "security_audits" ("actor", "action", "outcome", "request_id", "before") SELECT 'ops', 'toggle', 'committed', 'r', 'x' FROM (SELECT 1 FROM "settings") a, (SELECT 1 FROM "settings") b`,
    );
    for (let i = 0; i < 8; i++)
      await execSql(
        url,
        `INSERT INTO "security_audits" ("actor", "action", "outcome", "request_id", "before") SELECT "actor", "action", "outcome", "request_id", ${random} FROM "security_audits"`,
      );
    const dataDir = tempDir();
    const migrations = migrationsWith(provider, { [GOOD]: GOOD_SQL });
    const rootDir = tempDir();
    cpSync(join(ROOT, "prisma"), join(rootDir, "prisma"), { recursive: true });
    cpSync(migrations, join(rootDir, "prisma", provider === "sqlite" ? "sqlite" : "postgres", "migrations"), { recursive: true });
    const migrate = spawnSync(
      "prlimit",
      [
        `--fsize=${48 * 1024}`,
        process.execPath,
        join(ROOT, "node_modules/tsx/dist/cli.mjs"),
        "--conditions=react-server",
        join(ROOT, "lib/cli/main.ts"),
        "migrate",
      ],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url, WARDEN_DATA_DIR: dataDir, WARDEN_ROOT: rootDir, TSX_DISABLE_CACHE: "1", WARDEN_LOG_LEVEL: "error" },
        encoding: "utf8",
      },
    );
    expect(migrate.status, migrate.stdout + migrate.stderr).toBe(1);
    expect(migrate.stderr).toMatch(
      /FAILED: backup failed: (the file size limit was reached|writing the copy failed: the disk full, a file size limit).*; no backup was kept/,
    );
    expect(migrate.stdout).not.toContain("applying");
    expect(visibleFiles(join(dataDir, "backups")).filter((f) => !f.startsWith("."))).toEqual([]);
    expect(readdirSync(join(dataDir, "backups"))).toEqual([]);
    expect((await buildMigrationReport(url, { dir: migrations })).counts.pending).toBe(1);
  });
});

describe("PostgreSQL client programs", () => {
  it("pg_dump missing: the backup says what to install, and migrate applies nothing", async () => {
    const url = await usedDatabase("postgresql");
    process.env.WARDEN_PG_BIN_DIR = tempDir("warden-empty-bin-");
    resetEnvCache();
    const dir = join(tempDir(), "backups");
    await expect(takeBackup(url, { dir })).rejects.toThrow(
      /pg_dump was not found in WARDEN_PG_BIN_DIR .*install Debian's postgresql-client-\d+ \(`apt-get install postgresql-client-\d+`/,
    );
    const migrations = migrationsWith("postgresql", { [GOOD]: GOOD_SQL });
    await expect(migrateSafely(url, { migrationsDir: migrations, backupsDir: dir })).rejects.toThrow(/pg_dump was not found/);
    expect((await buildMigrationReport(url, { dir: migrations })).counts.pending).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("pg_dump older than the server: refused with the package to install", async () => {
    const url = await usedDatabase("postgresql");
    const bin = tempDir("warden-old-bin-");
    for (const tool of ["pg_dump", "pg_restore", "psql"]) writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) 11.22"\n`, { mode: 0o755 });
    process.env.WARDEN_PG_BIN_DIR = bin;
    resetEnvCache();
    const dir = join(tempDir(), "backups");
    await expect(takeBackup(url, { dir })).rejects.toThrow(
      /pg_dump 11\.22 \(.*\) is older than the PostgreSQL \d+\.\d+ server and cannot dump it: install Debian's postgresql-client-\d+/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a dry run as a user without CREATEDB says so and stops, changing nothing", async () => {
    const url = await usedDatabase("postgresql");
    const role = `warden_nocreatedb_${Math.random().toString(36).slice(2, 8)}`;
    await execSql(url, `CREATE ROLE "${role}" LOGIN NOCREATEDB`);
    try {
      const limited = new URL(url);
      limited.username = role;
      const dir = join(tempDir(), "backups");
      await expect(dryRunMigrations(limited.toString(), { dir })).rejects.toThrow(
        new RegExp(`the database user ${role} may not create databases \\(CREATEDB\\).*nothing was changed`),
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await execSql(url, `DROP ROLE "${role}"`);
    }
  });
});
