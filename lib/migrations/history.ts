import "server-only";
import type { RawConnection } from "./connection";

// Prisma's migration history table, created exactly as Prisma's schema engine creates it, so that
// `prisma migrate status/deploy` and Warden read and continue the same history.
const HISTORY_DDL = {
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
  postgresql: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`,
} as const;

export interface HistoryRow {
  id: string;
  checksum: string;
  migrationName: string;
  startedAt: Date;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  logs: string | null;
  appliedStepsCount: number;
}

export async function ensureHistoryTable(conn: RawConnection): Promise<void> {
  await conn.exec(HISTORY_DDL[conn.provider]);
}

export async function historyTableExists(conn: RawConnection): Promise<boolean> {
  const rows =
    conn.provider === "sqlite"
      ? await conn.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`)
      : await conn.query(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`).then((r) => ((r[0] as { present: boolean }).present ? r : []));
  return rows.length > 0;
}

// SQLite stores what Prisma wrote: an ISO-like string or epoch milliseconds.
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  return new Date(/^\d+$/.test(text) ? Number(text) : text.includes("T") || text.includes("+") ? text : text.replace(" ", "T") + "Z");
}

export async function readHistory(conn: RawConnection): Promise<HistoryRow[]> {
  if (!(await historyTableExists(conn))) return [];
  const rows = await conn.query<Record<string, unknown>>(
    `SELECT "id", "checksum", "migration_name", "started_at", "finished_at", "rolled_back_at", "logs", "applied_steps_count"
     FROM "_prisma_migrations" ORDER BY "started_at" ASC, "migration_name" ASC`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    checksum: String(r.checksum),
    migrationName: String(r.migration_name),
    startedAt: toDate(r.started_at)!,
    finishedAt: toDate(r.finished_at),
    rolledBackAt: toDate(r.rolled_back_at),
    logs: (r.logs as string | null) ?? null,
    appliedStepsCount: Number(r.applied_steps_count),
  }));
}
