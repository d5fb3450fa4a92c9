import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { createDb, type Db } from "../../lib/db";
import type { Provider } from "../../lib/db-url";
import { openRawConnection } from "../../lib/migrations/connection";
import { freshPostgres, freshSqliteUrl } from "./databases";

/**
 * A migrated database per test for the decision tests: a fresh SQLite file each, or one PostgreSQL
 * database per file whose decision tables are emptied before each test. `perFile`: one database for
 * the whole file (the list tests load 10,000 rows once and only read).
 */
export function decisionDb(provider: Provider, options: { perFile?: boolean } = {}): () => Db {
  let pg: { url: string; drop: () => Promise<void>; db: Db } | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    if (provider === "postgresql") {
      const database = await freshPostgres();
      pg = { ...database, db: createDb(database.url) };
      db = pg.db;
    } else if (options.perFile) {
      db = createDb(await freshSqliteUrl());
    }
  });
  beforeEach(async () => {
    if (options.perFile) return;
    if (provider === "sqlite") {
      db = createDb(await freshSqliteUrl());
      return;
    }
    const conn = await openRawConnection(pg!.url);
    await conn.exec(`TRUNCATE "crowdsec_decisions", "blocklist_state"`);
    await conn.close();
  });
  afterEach(async () => {
    if (provider === "sqlite" && !options.perFile) await db?.$disconnect();
  });
  afterAll(async () => {
    await db?.$disconnect();
    await pg?.drop();
  });
  return () => db!;
}
