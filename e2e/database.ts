import { resolve } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";

// The database the e2e servers run on, chosen once per Playwright run by E2E_DB: "sqlite" (default)
// or "postgresql". playwright.config.ts passes databaseUrl(<server>) to each server as DATABASE_URL;
// scripts/e2e-server.mjs recreates that database (a SQLite file, or a PostgreSQL database) before
// migrating it; e2e/migrations.spec.ts changes the "schema" server's database through runSql().

export type E2eDatabase = "sqlite" | "postgresql";

function parseE2eDb(value: string | undefined): E2eDatabase {
  if (value === undefined || value === "" || value === "sqlite") return "sqlite";
  if (value === "postgresql" || value === "postgres") return "postgresql";
  throw new Error(`E2E_DB must be "sqlite" or "postgresql" (got "${value}")`);
}

export const E2E_DB: E2eDatabase = parseE2eDb(process.env.E2E_DB);

/** The PostgreSQL server the e2e databases are created on (trust auth on this machine kind). */
const PG_SERVER_URL = process.env.E2E_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * The PostgreSQL database of one e2e server: warden_e2e_<E2E_PORT>_<server>, e.g.
 * warden_e2e_3100_first_run. The run's port is part of the name so that two runs on different
 * E2E_PORTs (two checkouts on one machine) never drop each other's databases.
 * scripts/e2e-server.mjs drops only databases named warden_e2e_*.
 */
export function postgresDatabaseName(server: string): string {
  const port = Number(process.env.E2E_PORT ?? 3100);
  return `warden_e2e_${port}_${server.replace(/[^a-z0-9]+/gi, "_").toLowerCase()}`;
}

/** The DATABASE_URL of one e2e server (its data directory is ./data/e2e-<server> either way). */
export function databaseUrl(server: string): string {
  if (E2E_DB === "sqlite") return `file:./data/e2e-${server}/warden.db`;
  const url = new URL(PG_SERVER_URL);
  url.pathname = `/${postgresDatabaseName(server)}`;
  return url.toString();
}

/** The folder of the migrations the servers apply (one set per provider, same folder names). */
export const MIGRATIONS_DIR = resolve("prisma", E2E_DB === "sqlite" ? "sqlite" : "postgres", "migrations");

/**
 * Runs a SQL script (one or more statements, no parameters) on a server's database directly, as an
 * operator would by hand: better-sqlite3 `exec` for SQLite, pg's simple query protocol for
 * PostgreSQL (so several statements may be sent at once).
 */
export async function runSql(server: string, sql: string): Promise<void> {
  const url = databaseUrl(server);
  if (E2E_DB === "sqlite") {
    const db = new Database(resolve(url.replace(/^file:/, "")), { fileMustExist: true });
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  // A lock the server holds makes DROP TABLE wait: fail within the test's time, with a clear error.
  const client = new pg.Client({ connectionString: url, lock_timeout: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for a server a test starts itself (e2e/spawned-server.ts), on the run's E2E_DB:
 * a SQLite file under `dir`, or a PostgreSQL database warden_e2e_<port>_spawn_<random>, dropped by
 * `drop()`.
 */
export async function scratchDatabase(dir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (E2E_DB === "sqlite") return { url: `file:${resolve(dir, "warden.db")}`, drop: async () => undefined };
  const name = postgresDatabaseName(`spawn_${Math.random().toString(36).slice(2, 10)}`);
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_SERVER_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(PG_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
