import "server-only";
import Database from "better-sqlite3";
import pg from "pg";
import { advisoryLockSql } from "../../advisory-locks";
import { providerOf, sqlitePath } from "../../db-url";
import { log } from "../../log";
import { createPrivateFile } from "../../private-files";
import { describeDatabaseError } from "../db-errors";
import { singleton } from "../../process-registry";

// "A panel uses this database", so `restore` can refuse while one runs. Every panel process holds a
// lock for its whole life; the operating system or the server drops it when the process dies, so a
// crashed panel never blocks a restore.
//  - SQLite: a read transaction on `<database>.in-use` (a small SQLite file in rollback-journal mode)
//    holds a SHARED lock on it; restore asks for an EXCLUSIVE one without waiting.
//  - PostgreSQL: the registry's `panelInUse` advisory lock, shared by every replica; restore takes it
//    exclusively without waiting.

export const inUseLockPath = (dbPath: string) => `${dbPath}.in-use`;

export interface InUseHold {
  release(): Promise<void>;
}

const RETRY_MS = 5_000;
const MAX_RETRY_MS = 60_000;

function holdSqlite(dbPath: string): InUseHold {
  const path = inUseLockPath(dbPath);
  createPrivateFile(path);
  const lock = new Database(path, { timeout: 0 });
  lock.pragma("journal_mode = DELETE");
  let released = false;
  const take = () => {
    if (released) return;
    try {
      // A table, so the file is not empty: SQLite keeps no lock for a read of an empty database.
      lock.exec("CREATE TABLE IF NOT EXISTS in_use (pid INTEGER)");
      lock.exec("BEGIN");
      lock.prepare("SELECT count(*) FROM in_use").get();
    } catch (error) {
      if (lock.inTransaction) lock.exec("ROLLBACK");
      log.warn(
        { event: "in_use_lock_busy", source: "lib/migrations/backup", path, reason: (error as Error).message },
        "a restore holds the database: the panel will mark it in use once it ends",
      );
      setTimeout(take, RETRY_MS).unref?.();
    }
  };
  take();
  return {
    release: async () => {
      released = true;
      if (lock.inTransaction) lock.exec("ROLLBACK");
      lock.close();
    },
  };
}

function holdPostgres(url: string): InUseHold {
  let client: pg.Client | null = null;
  let released = false;
  let delay = RETRY_MS;
  // While the server is down: a WARN per attempt, the attempts further apart each time (up to a minute).
  const retry = () => {
    setTimeout(() => void connect(), delay).unref?.();
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  };
  const connect = async () => {
    if (released) return;
    const next = new pg.Client({ connectionString: url, application_name: "warden-in-use" });
    next.on("error", (error) => {
      // A failed connect is handled below; this is for a connection lost after the lock was taken.
      if (client !== next || released) return;
      log.warn(
        { event: "in_use_lock_lost", source: "lib/migrations/backup", reason: describeDatabaseError(url, error) },
        "lost the connection that marks the database in use: reconnecting",
      );
      client = null;
      retry();
    });
    try {
      await next.connect();
      // Waits while a restore holds it exclusively.
      await next.query(advisoryLockSql.lockShared("panelInUse"));
      client = next;
      delay = RETRY_MS;
      if (released) await next.end();
    } catch (error) {
      await next.end().catch(() => undefined);
      if (released) return;
      log.warn(
        { event: "in_use_lock_failed", source: "lib/migrations/backup", reason: describeDatabaseError(url, error), retryInMs: delay },
        "could not mark the database in use: retrying",
      );
      retry();
    }
  };
  void connect();
  return {
    release: async () => {
      released = true;
      await client?.end().catch(() => undefined);
    },
  };
}

// Held here, not only by the caller: a connection nothing references is closed by the garbage
// collector, and its lock goes with it. In the process registry: Next.js can load this module twice.
const holds = singleton("migrations.in-use-holds", () => new Set<InUseHold>());

/** For the panel's whole life (instrumentation.ts): marks the database in use. Never blocks boot. */
export function holdDatabaseInUse(url: string): InUseHold {
  // Not the database file itself: a missing one is the boot gate's to create (or to report).
  const hold = providerOf(url) === "sqlite" ? holdSqlite(sqlitePath(url, { createDir: false })) : holdPostgres(url);
  const kept: InUseHold = {
    release: async () => {
      holds.delete(kept);
      await hold.release();
    },
  };
  holds.add(kept);
  return kept;
}

/**
 * For restore: the database is free of panels (an exclusive lock was granted), or null with the
 * reason. The returned hold is kept for the restore's duration so no panel starts meanwhile.
 */
export async function claimDatabase(url: string): Promise<{ hold: InUseHold } | { busy: string }> {
  if (providerOf(url) === "sqlite") {
    const path = inUseLockPath(sqlitePath(url, { createDir: false }));
    createPrivateFile(path);
    const lock = new Database(path, { timeout: 0 });
    try {
      lock.exec("BEGIN EXCLUSIVE");
    } catch {
      lock.close();
      return { busy: `a running panel has the database open (it holds ${path})` };
    }
    return { hold: { release: async () => void (lock.exec("ROLLBACK"), lock.close()) } };
  }
  const client = new pg.Client({ connectionString: url, application_name: "warden-restore" });
  await client.connect();
  const [row] = (await client.query<{ ok: boolean }>(advisoryLockSql.tryLock("panelInUse"))).rows;
  if (!row?.ok) {
    const holders = await client
      .query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'warden-in-use'`)
      .then(
        (r) => Number(r.rows[0]?.n ?? 0),
        () => 0,
      );
    await client.end();
    return { busy: `${holders || "at least one"} running panel replica(s) use the database (they hold its in-use lock)` };
  }
  return { hold: { release: async () => void (await client.end().catch(() => undefined)) } };
}
