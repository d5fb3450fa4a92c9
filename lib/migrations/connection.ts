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

export async function openRawConnection(url: string): Promise<RawConnection> {
  const provider = providerOf(url);
  if (provider === "sqlite") {
    const sqlite = new Database(sqlitePath(url), { timeout: SQLITE_BUSY_TIMEOUT_MS });
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = FULL");
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
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    provider,
    exec: async (script) => void (await client.query(script)),
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    close: async () => client.end(),
  };
}
