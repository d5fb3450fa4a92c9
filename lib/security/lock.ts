import type { Provider } from "../db-url";
import type { Tx } from "../db";

// Arbitrary constant, distinct from Prisma's migration lock (72707369).
const INTENT_ADVISORY_LOCK = 727_073_700;

/**
 * Serialises intent writers and makes the reads that follow see the latest commit. It must be the
 * transaction's first statement:
 * - SQLite: Prisma's adapter opens a deferred transaction, and a deferred transaction that reads
 *   before writing fails with SQLITE_BUSY when another process committed in between. A no-op write
 *   takes the write lock up front (waiting up to the busy timeout), even when the row is missing.
 * - PostgreSQL: under READ COMMITTED a read-then-write can lose an update; a transaction-scoped
 *   advisory lock serialises writers (also when the config row does not exist yet).
 */
export async function lockIntent(tx: Tx, provider: Provider): Promise<void> {
  if (provider === "sqlite") {
    await tx.$executeRawUnsafe(`UPDATE "security_configs" SET "version" = "version" WHERE "id" = 1`);
  } else {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${INTENT_ADVISORY_LOCK})`);
  }
}
