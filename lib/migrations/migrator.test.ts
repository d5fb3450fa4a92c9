import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { sqlitePath, type Provider } from "../db-url";
import { dropTestDatabases, emptyDatabase, emptySqliteUrl, tempDir } from "../../test/support/databases";
import { migrationChecksum, scriptMatchesChecksum } from "./checksum";
import { openRawConnection } from "./connection";
import { migrationsDir, readMigrationFolder } from "./folder";
import { MigrationError } from "./migrator";
import { migrateDatabase } from "./run";

afterAll(dropTestDatabases);

async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await openRawConnection(url);
  try {
    return await conn.query<T>(sql, params);
  } finally {
    await conn.close();
  }
}

async function tables(url: string, provider: Provider): Promise<string[]> {
  const rows =
    provider === "sqlite"
      ? await query<{ name: string }>(url, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      : await query<{ name: string }>(
          url,
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        );
  return rows.map((r) => r.name).sort();
}

interface HistoryDump {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  started_at: unknown;
  logs: string | null;
  applied_steps_count: number;
}

const history = (url: string) => query<HistoryDump>(url, `SELECT * FROM "_prisma_migrations" ORDER BY "started_at", "migration_name"`);

/** The provider's real migrations plus extra ones, in a folder of their own (Prisma's layout). */
function fixtureDir(provider: Provider, extra: Record<string, string>, { withReal = true } = {}): string {
  const dir = join(tempDir("warden-migrations-"), "migrations");
  mkdirSync(dir, { recursive: true });
  if (withReal) cpSync(migrationsDir(provider), dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) writeMigration(dir, name, sql);
  return dir;
}

function writeMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, "migration.sql"), sql);
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const realMigrationNames = (provider: Provider) => readMigrationFolder(migrationsDir(provider)).map((m) => m.name);

describe("migration checksums (as Prisma's schema engine computes them)", () => {
  it("renders SHA-256 hex, zero-padded (Prisma's own fixture)", () => {
    expect(migrationChecksum("hello")).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    expect(migrationChecksum("abcd")).toHaveLength(64);
  });

  it("matches scripts regardless of LF / CRLF line endings (Prisma's own fixture)", () => {
    const groups = [
      ["ab\ncd\nef\ngh\rab", "ab\r\ncd\r\nef\r\ngh\rab"],
      ["ab\ncd\nef\ngh\rab\n", "ab\r\ncd\r\nef\r\ngh\rab\r\n"],
    ];
    for (const group of groups)
      for (const script of group) for (const other of group) expect(scriptMatchesChecksum(script, migrationChecksum(other))).toBe(true);
  });

  it("does not match a different script", () => {
    expect(scriptMatchesChecksum("abc", migrationChecksum("abcd"))).toBe(false);
    expect(scriptMatchesChecksum("abc\n", migrationChecksum("abc"))).toBe(false);
  });

  it("accepts the unpadded hex that very old Prisma versions recorded", () => {
    // Find a script whose digest has a byte below 0x10, so the unpadded form is shorter than 64.
    let script = "";
    let unpadded = "";
    for (let n = 0; unpadded.length === 0 || unpadded.length === 64; n++) {
      script = `CREATE TABLE t${n} (id INT);`;
      unpadded = [...createHash("sha256").update(script).digest()].map((b) => b.toString(16)).join("");
    }
    expect(unpadded.length).toBeLessThan(64);
    expect(scriptMatchesChecksum(script, unpadded)).toBe(true);
    expect(scriptMatchesChecksum(`${script} `, unpadded)).toBe(false);
  });
});

describe.each(["sqlite", "postgresql"] as const)("migrateDatabase on %s", (provider) => {
  it("creates the tables on an empty database and records each migration as Prisma does", async () => {
    const url = await emptyDatabase(provider);
    expect(await tables(url, provider)).toEqual([]);

    const result = await migrateDatabase(url);
    expect(result.applied.map((a) => a.name)).toEqual(realMigrationNames(provider));
    expect(result.alreadyApplied).toBe(0);
    // Every model of the Prisma schema has its table, plus Prisma's history table, and nothing else.
    const dmmf = JSON.parse(readFileSync(`lib/generated/${provider === "sqlite" ? "sqlite" : "postgres"}/dmmf.json`, "utf8")) as {
      datamodel: { models: { dbName: string | null; name: string }[] };
    };
    const modelTables = dmmf.datamodel.models.map((m) => m.dbName ?? m.name);
    expect(modelTables).toEqual(expect.arrayContaining(["security_configs", "settings", "security_audits", "users", "sessions"]));
    expect(await tables(url, provider)).toEqual(["_prisma_migrations", ...modelTables].sort());

    // Prisma's history table, column for column (nullability as Prisma creates it).
    const columns =
      provider === "sqlite"
        ? (await query<{ name: string; notnull: number }>(url, `PRAGMA table_info("_prisma_migrations")`)).map((c) => [c.name, c.notnull === 1])
        : (
            await query<{ name: string; is_nullable: string }>(
              url,
              `SELECT column_name AS name, is_nullable FROM information_schema.columns WHERE table_name = '_prisma_migrations' AND table_schema = current_schema()`,
            )
          ).map((c) => [c.name, c.is_nullable === "NO"]);
    expect(Object.fromEntries(columns)).toEqual({
      id: true,
      checksum: true,
      finished_at: false,
      migration_name: true,
      logs: false,
      rolled_back_at: false,
      started_at: true,
      applied_steps_count: true,
    });

    const rows = await history(url);
    expect(rows.map((r) => r.migration_name)).toEqual(realMigrationNames(provider));
    for (const row of rows) {
      const bytes = readFileSync(join(migrationsDir(provider), row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(sha256(bytes));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }
  });

  it("applies nothing on a second run", async () => {
    const url = await emptyDatabase(provider);
    await migrateDatabase(url);
    const before = await history(url);
    const again = await migrateDatabase(url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(realMigrationNames(provider).length);
    expect(await history(url)).toEqual(before);
  });

  it("stops at a failing migration, names it and the statement, records a failed row, and refuses later runs until resolved", async () => {
    const url = await emptyDatabase(provider);
    const bad = "20990101000000_add_broken";
    const later = "20990102000000_after_broken";
    const dir = fixtureDir(provider, {
      [bad]: `-- CreateTable\nCREATE TABLE "half_done" ("id" INTEGER NOT NULL PRIMARY KEY);\n\n-- Bad\nINSERT INTO "no_such_table" ("id") VALUES (1);\n`,
      [later]: `CREATE TABLE "after_broken" ("id" INTEGER NOT NULL PRIMARY KEY);\n`,
    });

    const error = await migrateDatabase(url, {}, dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    const failure = error as MigrationError;
    expect(failure.migration).toBe(bad);
    expect(failure.statement).toContain(`INSERT INTO "no_such_table"`);
    expect(failure.message).toContain(bad);
    expect(failure.message).toContain(`INSERT INTO "no_such_table"`);
    expect(failure.message).toMatch(/no_such_table|no such table/);

    // The earlier migrations landed, the failing one left nothing behind, the later one never ran.
    const present = await tables(url, provider);
    expect(present).toContain("security_configs");
    expect(present).not.toContain("half_done");
    expect(present).not.toContain("after_broken");

    const rows = await history(url);
    const failed = rows.filter((r) => r.migration_name === bad);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.finished_at).toBeNull();
    expect(failed[0]!.rolled_back_at).toBeNull();
    expect(failed[0]!.logs).toMatch(/no_such_table|no such table/);
    expect(Number(failed[0]!.applied_steps_count)).toBe(0);
    expect(failed[0]!.checksum).toBe(sha256(readFileSync(join(dir, bad, "migration.sql"))));
    expect(rows.some((r) => r.migration_name === later)).toBe(false);

    // Fixing the file is not enough: the failed row must be resolved first (as with Prisma, P3009).
    writeMigration(dir, bad, `CREATE TABLE "half_done" ("id" INTEGER NOT NULL PRIMARY KEY);\n`);
    await expect(migrateDatabase(url, {}, dir)).rejects.toThrow(new RegExp(`${bad} failed earlier and is unresolved.*resolve`));
    expect(await tables(url, provider)).not.toContain("half_done");

    // What `prisma migrate resolve --rolled-back` records; then the fixed migration and the later one apply.
    await query(
      url,
      provider === "sqlite"
        ? `UPDATE "_prisma_migrations" SET "rolled_back_at" = '2099-01-01T00:00:00.000Z' WHERE "migration_name" = ?`
        : `UPDATE "_prisma_migrations" SET "rolled_back_at" = now() WHERE "migration_name" = $1`,
      [bad],
    );
    const resumed = await migrateDatabase(url, {}, dir);
    expect(resumed.applied.map((a) => a.name)).toEqual([bad, later]);
    expect(await tables(url, provider)).toEqual(expect.arrayContaining(["half_done", "after_broken"]));
  });

  it("names the failing statement also when the database reports no error position (unique index over duplicates)", async () => {
    const url = await emptyDatabase(provider);
    const name = "20990101000000_unique_over_duplicates";
    const dir = fixtureDir(provider, {
      [name]: `CREATE TABLE "dupes" ("id" INTEGER NOT NULL);\nINSERT INTO "dupes" ("id") VALUES (1), (1);\n\n-- CreateIndex\nCREATE UNIQUE INDEX "dupes_id_key" ON "dupes"("id");\n\nCREATE TABLE "after_index" ("id" INTEGER NOT NULL);\n`,
    });
    const error = (await migrateDatabase(url, {}, dir).then(
      () => null,
      (e: unknown) => e,
    )) as MigrationError;
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.migration).toBe(name);
    expect(error.statement).toContain(`CREATE UNIQUE INDEX "dupes_id_key"`);
    expect(error.message).toContain(`at statement: CREATE UNIQUE INDEX "dupes_id_key" ON "dupes"("id")`);
    const present = await tables(url, provider);
    expect(present).not.toContain("dupes");
    expect(present).not.toContain("after_index");
  });

  it.each([
    ["BEGIN/COMMIT", `BEGIN;\nCREATE TABLE "x" ("id" INTEGER NOT NULL PRIMARY KEY);\nCOMMIT;\n`, /^BEGIN/],
    ["CREATE INDEX CONCURRENTLY", `-- CreateIndex\nCREATE INDEX CONCURRENTLY "settings_value_idx" ON "settings"("value");\n`, /^CREATE INDEX CONCURRENTLY/],
  ])("refuses a migration with %s before running anything", async (_label, sql, statement) => {
    const url = await emptyDatabase(provider);
    const name = "20990101000000_not_transactional";
    const dir = fixtureDir(provider, { [name]: sql });
    const error = (await migrateDatabase(url, {}, dir).then(
      () => null,
      (e: unknown) => e,
    )) as MigrationError;
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.migration).toBe(name);
    expect(error.statement).toMatch(statement);
    expect(error.message).toContain(name);
    expect(error.message).toMatch(/transaction/);
    // Refused up front: not even the pending migrations before it ran, no history was written.
    expect(await tables(url, provider)).toEqual([]);
  });

  it("treats a line-ending rewrite of an applied migration as the same migration, but refuses an edited one", async () => {
    const url = await emptyDatabase(provider);
    const name = "20990101000000_extra";
    const script = `-- CreateTable\nCREATE TABLE "extra" (\n    "id" INTEGER NOT NULL PRIMARY KEY\n);\n`;
    const dir = fixtureDir(provider, { [name]: script });
    expect((await migrateDatabase(url, {}, dir)).applied.map((a) => a.name)).toContain(name);

    writeMigration(dir, name, script.replaceAll("\n", "\r\n")); // git autocrlf on a Windows checkout
    const again = await migrateDatabase(url, {}, dir);
    expect(again.applied).toEqual([]);

    writeMigration(dir, name, `${script}CREATE TABLE "sneaky" ("id" INTEGER NOT NULL PRIMARY KEY);\n`);
    await expect(migrateDatabase(url, {}, dir)).rejects.toThrow(new RegExp(`${name} was modified after it was applied`));
    expect(await tables(url, provider)).not.toContain("sneaky");
  });
});

describe("SQLite table rebuilds and foreign keys", () => {
  const parentChild = `-- CreateTable
CREATE TABLE "parent" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "child" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "parent_id" INTEGER NOT NULL,
    CONSTRAINT "child_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "parent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
`;
  // Exactly what `prisma migrate dev` generates for SQLite when a column change needs a rebuild.
  const rebuildParent = `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_parent" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT ''
);
INSERT INTO "new_parent" ("id", "name") SELECT "id", "name" FROM "parent";
DROP TABLE "parent";
ALTER TABLE "new_parent" RENAME TO "parent";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`;

  function seed(url: string): void {
    const sqlite = new Database(sqlitePath(url));
    try {
      expect(sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
      sqlite.exec(`INSERT INTO "parent" VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
      sqlite.exec(`INSERT INTO "child" VALUES (1, 1), (2, 1), (3, 2), (4, 3), (5, 3)`);
    } finally {
      sqlite.close();
    }
  }

  function count(url: string, table: string): number {
    const sqlite = new Database(sqlitePath(url), { readonly: true });
    try {
      return (sqlite.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
    } finally {
      sqlite.close();
    }
  }

  it("a naive rebuild inside a transaction cascade-deletes the child rows (the pitfall this guards against)", async () => {
    const url = emptySqliteUrl();
    const dir = fixtureDir("sqlite", { "20990101000000_parent_child": parentChild }, { withReal: false });
    await migrateDatabase(url, {}, dir);
    seed(url);
    const sqlite = new Database(sqlitePath(url));
    try {
      sqlite.exec(`BEGIN;\n${rebuildParent}\nCOMMIT;`);
    } finally {
      sqlite.close();
    }
    expect(count(url, "parent")).toBe(3);
    expect(count(url, "child")).toBe(0);
  });

  it("the migrator rebuilds a parent table with ON DELETE CASCADE children and keeps every child row", async () => {
    const url = emptySqliteUrl();
    const dir = fixtureDir("sqlite", { "20990101000000_parent_child": parentChild }, { withReal: false });
    await migrateDatabase(url, {}, dir);
    seed(url);

    writeMigration(dir, "20990102000000_rebuild_parent", rebuildParent);
    const result = await migrateDatabase(url, {}, dir);
    expect(result.applied.map((a) => a.name)).toEqual(["20990102000000_rebuild_parent"]);
    expect(count(url, "parent")).toBe(3);
    expect(count(url, "child")).toBe(5);

    const sqlite = new Database(sqlitePath(url));
    try {
      expect(sqlite.prepare(`SELECT "note" FROM "parent" WHERE "id" = 1`).get()).toEqual({ note: "" });
      expect(sqlite.pragma("foreign_key_check")).toEqual([]);
      // The references still work after the rebuild: deleting a parent cascades again.
      sqlite.exec(`DELETE FROM "parent" WHERE "id" = 1`);
      expect(sqlite.prepare(`SELECT count(*) AS n FROM "child"`).get()).toEqual({ n: 3 });
    } finally {
      sqlite.close();
    }
  });

  it("a migration that would leave broken references fails the foreign key check and changes nothing", async () => {
    const url = emptySqliteUrl();
    const dir = fixtureDir("sqlite", { "20990101000000_parent_child": parentChild }, { withReal: false });
    await migrateDatabase(url, {}, dir);
    seed(url);
    const name = "20990102000000_orphan_children";
    writeMigration(dir, name, `DELETE FROM "parent" WHERE "id" = 3;\n`);
    const error = (await migrateDatabase(url, {}, dir).then(
      () => null,
      (e: unknown) => e,
    )) as MigrationError;
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.migration).toBe(name);
    expect(error.message).toMatch(/foreign key check failed.*child.*parent/);
    expect(count(url, "parent")).toBe(3);
    expect(count(url, "child")).toBe(5);
  });
});
