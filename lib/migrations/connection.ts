import "server-only";
import Database from "better-sqlite3";
import pg from "pg";
import { providerOf, sqlitePath, type Provider } from "../db-url";
import { SQLITE_BUSY_TIMEOUT_MS } from "../db";

/**
 * A raw driver connection for the migrator and the schema check. Migration scripts are run with the
 * drivers' script execution (better-sqlite3 `exec`, pg's simple query protocol), not through Prisma,
 * which runs one statement per prepared query.
 */
export interface RawConnection {
  provider: Provider;
  exec(script: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Report and health checks look at a database; they must not create an empty SQLite file. */
  mustExist?: boolean;
  /** For checks that must answer quickly (health): fail instead of waiting long for a lock or a server. */
  timeoutMs?: number;
}

export async function openRawConnection(url: string, options: OpenOptions = {}): Promise<RawConnection> {
  const provider = providerOf(url);
  if (provider === "sqlite") {
    const sqlite = new Database(sqlitePath(url, { createDir: !options.mustExist }), {
      timeout: options.timeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
      fileMustExist: options.mustExist ?? false,
    });
    if (!options.mustExist) {
      sqlite.pragma("journal_mode = WAL");
      sqlite.pragma("synchronous = FULL");
    }
    return {
      provider,
      exec: async (script) => void sqlite.exec(script),
      query: async <T>(sql: string, params: unknown[] = []) => {
        const stmt = sqlite.prepare(sql);
        if (stmt.reader) return stmt.all(...params) as T[];
        stmt.run(...params);
        return [] as T[];
      },
      close: async () => void sqlite.close(),
    };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.timeoutMs ?? 10_000 });
  await client.connect();
  return {
    provider,
    exec: async (script) => void (await client.query(script)),
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    close: async () => client.end(),
  };
}
