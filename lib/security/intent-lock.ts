import "server-only";
import { advisoryLockSql } from "../advisory-locks";
import type { Provider } from "../db-url";
import type { Tx } from "../db";
import { lockConfigRow } from "./config-sql";
import type { ConfigRow } from "./row-mapping";

/**
 * Takes the intent lock and reads the config row under it. Must be the transaction's first
 * statement, and every intent writer goes through it:
 * - The lock is a no-op `UPDATE … RETURNING` of the config row. On SQLite it takes the write lock up
 *   front: Prisma's adapter opens deferred transactions, and a deferred transaction that reads before
 *   writing fails with SQLITE_BUSY when another process commits in between, whereas a first write
 *   waits for the busy timeout. On PostgreSQL it takes the row lock; under READ COMMITTED a plain
 *   read-then-write could lose an update.
 * - When the row is missing there is nothing to lock on PostgreSQL: a transaction-scoped advisory lock
 *   serialises the writers that will create it, and the row is read (and locked) again under it.
 * Returns null when the row does not exist; the caller creates it while still holding the lock.
 */
export async function lockIntent(tx: Tx, provider: Provider): Promise<ConfigRow | null> {
  const row = await lockConfigRow(tx);
  if (row || provider === "sqlite") return row;
  await tx.$executeRawUnsafe(advisoryLockSql.xactLock("intent"));
  return lockConfigRow(tx);
}
