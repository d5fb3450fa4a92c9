import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { migrateDatabase } from "../../lib/migrations/run";

// Real databases for tests: a migrated SQLite file copied per test, and a fresh PostgreSQL
// database per test run (warden_test_<random>) on the server at 127.0.0.1:5432, dropped after.

export const PG_ADMIN_URL = process.env.WARDEN_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let sqliteTemplate: string | undefined;
const tempDirs: string[] = [];

export function tempDir(prefix = "warden-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A migrated SQLite database file of its own; returns its file: URL. */
export async function freshSqliteUrl(): Promise<string> {
  if (!sqliteTemplate) {
    const dir = tempDir("warden-template-");
    sqliteTemplate = join(dir, "template.db");
    await migrateDatabase(`file:${sqliteTemplate}`);
  }
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "warden.db");
  copyFileSync(sqliteTemplate, path);
  return `file:${path}`;
}

/** An empty SQLite file URL (not migrated). */
export function emptySqliteUrl(): string {
  return `file:${join(tempDir(), "empty.db")}`;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty PostgreSQL database; `drop()` removes it (terminating leftover connections). */
export async function createPostgresDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `warden_test_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(PG_ADMIN_URL, name),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated PostgreSQL database of its own. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const database = await createPostgresDatabase();
  await migrateDatabase(database.url);
  return database;
}

export function cleanupTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const pendingDrops: (() => Promise<void>)[] = [];

/** A migrated database of the given provider; PostgreSQL ones are dropped by dropTestDatabases(). */
export async function migratedDatabase(provider: "sqlite" | "postgresql"): Promise<string> {
  if (provider === "sqlite") return freshSqliteUrl();
  const database = await freshPostgres();
  pendingDrops.push(database.drop);
  return database.url;
}

/** An empty (not migrated) database of the given provider; dropped by dropTestDatabases(). */
export async function emptyDatabase(provider: "sqlite" | "postgresql"): Promise<string> {
  if (provider === "sqlite") return emptySqliteUrl();
  const database = await createPostgresDatabase();
  pendingDrops.push(database.drop);
  return database.url;
}

/** For afterAll: drops the PostgreSQL databases made above and removes temp directories. */
export async function dropTestDatabases(): Promise<void> {
  await Promise.all(pendingDrops.splice(0).map((drop) => drop()));
  cleanupTempDirs();
}
