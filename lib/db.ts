import "server-only";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient as PostgresClient } from "./generated/postgres/client";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client";
import { providerOf, sqlitePath, type Provider } from "./db-url";
import { env } from "./env";
import { processSlot, singleton } from "./process-registry";

/**
 * The models are identical for both providers, so the SQLite client's type serves for both.
 * Code that needs provider-specific SQL asks `dbProvider(db)`.
 */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

// Commits must survive power loss: WAL with synchronous=FULL (better-sqlite3 compiles WAL mode
// with synchronous=NORMAL by default). The busy timeout lets the panel and the CLI write at once.
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const SQLITE_PRAGMAS = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"];

/** Wraps Prisma's better-sqlite3 adapter factory to apply Warden's pragmas on every connection. */
class DurableSqliteFactory implements SqlDriverAdapterFactory {
  readonly provider = "sqlite" as const;
  readonly adapterName: string;
  readonly #inner: PrismaBetterSqlite3;
  constructor(url: string) {
    this.#inner = new PrismaBetterSqlite3({ url: `file:${sqlitePath(url)}`, timeout: SQLITE_BUSY_TIMEOUT_MS });
    this.adapterName = this.#inner.adapterName;
  }
  async connect(): Promise<SqlDriverAdapter> {
    const adapter = await this.#inner.connect();
    for (const sql of SQLITE_PRAGMAS) await adapter.queryRaw({ sql, args: [], argTypes: [] });
    return adapter;
  }
}

// In the process registry: this module can exist twice in one process (Next.js bundles
// instrumentation and routes apart), and a client made by one copy must still be known to the other.
const providers = singleton("db-providers", () => new WeakMap<object, Provider>());

export function createDb(url: string): Db {
  const provider = providerOf(url);
  const client =
    provider === "sqlite"
      ? new SqliteClient({ adapter: new DurableSqliteFactory(url) })
      : (new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db);
  providers.set(client, provider);
  return client;
}

/** The provider of a client made by createDb (transaction clients: ask before entering the transaction). */
export function dbProvider(db: Db): Provider {
  const known = providers.get(db);
  if (!known) throw new Error("dbProvider: not a client created by createDb()");
  return known;
}

/** Holds the process's one Prisma client (tests clear it to "restart"). */
export const dbSlot = processSlot<Db>("db");

/** The process's one Prisma client, in the process registry so hot reload does not open a second one. */
export function db(): Db {
  return dbSlot.getOrCreate(() => createDb(env().DATABASE_URL));
}
