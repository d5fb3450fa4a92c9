import "server-only";
import { Prisma } from "../generated/sqlite/client";
import type { Tx } from "../db";
import type { ConfigColumns, ConfigRow } from "./row-mapping";
import { configColumnsOf, type ColumnType } from "./spec/columns";
import { SECURITY_SPEC } from "./spec/protections";

// The hot path of an intent change in plain SQL (one statement each, same SQL on SQLite and
// PostgreSQL). Measured here: Prisma's model queries map a 27-column row in ~0.8 ms, a raw
// statement takes ~0.15 ms; the write path must commit in well under 2 ms (bench/README.md).
// Column names come only from the field spec (spec/columns.ts), never from input.

const COLUMNS = configColumnsOf(SECURITY_SPEC);
const COLUMN = new Map(COLUMNS.map((c) => [c.field, c.column]));
const ident = (field: keyof ConfigRow) => {
  const column = COLUMN.get(field);
  if (!column) throw new Error(`security_configs has no column for ${String(field)}`);
  return Prisma.raw(`"${column}"`);
};
const SELECT_LIST = Prisma.raw(COLUMNS.map((c) => `"${c.column}" AS "${c.field}"`).join(", "));

const toNumber = (v: unknown) => (typeof v === "bigint" ? Number(v) : (v as number));
const toBool = (v: unknown) => v === true || v === 1 || v === 1n;
const toDate = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
const READ: Record<ColumnType, ((v: unknown) => unknown) | null> = { integer: toNumber, boolean: toBool, timestamp: toDate, text: null };
const CONVERSIONS = COLUMNS.flatMap((c) => (READ[c.type] ? [[c.field, READ[c.type]!] as const] : []));

/** Drivers return integers as bigint, booleans as 0/1 and timestamps as text on SQLite: the row as Prisma types it. */
function normalise(raw: Record<string, unknown>): ConfigRow {
  const row = { ...raw };
  for (const [field, read] of CONVERSIONS) row[field] = read(raw[field]);
  return row as unknown as ConfigRow;
}

type Queryable = Pick<Tx, "$queryRaw">;

/** The config row, read without a lock (outside or inside a transaction). */
export async function selectConfigRow(q: Queryable): Promise<ConfigRow | null> {
  const rows = await q.$queryRaw<Record<string, unknown>[]>`SELECT ${SELECT_LIST} FROM "security_configs" WHERE "id" = 1`;
  return rows[0] ? normalise(rows[0]) : null;
}

/** The intent lock and the read in one statement: see intent-lock.ts. */
export async function lockConfigRow(tx: Tx): Promise<ConfigRow | null> {
  const rows = await tx.$queryRaw<Record<string, unknown>[]>`
    UPDATE "security_configs" SET "version" = "version" WHERE "id" = 1 RETURNING ${SELECT_LIST}`;
  return rows[0] ? normalise(rows[0]) : null;
}

/**
 * Writes one protection's columns if its version is still `expectedVersion`, bumps the global and the
 * protection's version, and returns the row as written (null when the version no longer matches).
 */
export async function updateConfigGuarded(
  tx: Tx,
  versionField: keyof ConfigRow,
  expectedVersion: number,
  columns: ConfigColumns,
  now: Date,
): Promise<ConfigRow | null> {
  const sets = Object.entries(columns).map(([field, value]) => Prisma.sql`${ident(field as keyof ConfigRow)} = ${value}`);
  const v = ident(versionField);
  const rows = await tx.$queryRaw<Record<string, unknown>[]>`
    UPDATE "security_configs"
    SET ${Prisma.join(sets)}, "version" = "version" + 1, ${v} = ${v} + 1, "updated_at" = ${now}
    WHERE "id" = 1 AND ${v} = ${expectedVersion}
    RETURNING ${SELECT_LIST}`;
  return rows[0] ? normalise(rows[0]) : null;
}

/** A commit that changes no protection (the mirror rewritten): the global version only. Takes the lock. */
export async function bumpGlobalVersion(tx: Tx, now: Date): Promise<ConfigRow | null> {
  const rows = await tx.$queryRaw<Record<string, unknown>[]>`
    UPDATE "security_configs" SET "version" = "version" + 1, "updated_at" = ${now} WHERE "id" = 1 RETURNING ${SELECT_LIST}`;
  return rows[0] ? normalise(rows[0]) : null;
}
