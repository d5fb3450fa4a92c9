import "server-only";
import { Prisma } from "../generated/sqlite/client";
import type { Tx } from "../db";
import type { ConfigColumns, ConfigRow } from "./row-mapping";

// The hot path of an intent change in plain SQL (one statement each, same SQL on SQLite and
// PostgreSQL). Measured here: Prisma's model queries map a 27-column row in ~0.8 ms, a raw
// statement takes ~0.15 ms; the write path must commit in well under 2 ms (bench/README.md).
// Column names come only from the fixed map below, never from input.

const COLUMN: Record<keyof ConfigRow, string> = {
  id: "id",
  version: "version",
  crowdsecEnabled: "crowdsec_enabled",
  crowdsecMode: "crowdsec_mode",
  crowdsecLapiUrl: "crowdsec_lapi_url",
  crowdsecVersion: "crowdsec_version",
  crowdsecChangedBy: "crowdsec_changed_by",
  crowdsecChangedAt: "crowdsec_changed_at",
  wafEnabled: "waf_enabled",
  wafMode: "waf_mode",
  wafParanoia: "waf_paranoia",
  wafInboundThreshold: "waf_inbound_threshold",
  wafOutboundThreshold: "waf_outbound_threshold",
  wafVersion: "waf_version",
  wafChangedBy: "waf_changed_by",
  wafChangedAt: "waf_changed_at",
  rateLimitEnabled: "rate_limit_enabled",
  rateLimitRequests: "rate_limit_requests",
  rateLimitWindowSec: "rate_limit_window_sec",
  rateLimitBurst: "rate_limit_burst",
  rateLimitVersion: "rate_limit_version",
  rateLimitChangedBy: "rate_limit_changed_by",
  rateLimitChangedAt: "rate_limit_changed_at",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

const FIELDS = Object.keys(COLUMN) as (keyof ConfigRow)[];
const ident = (field: keyof ConfigRow) => Prisma.raw(`"${COLUMN[field]}"`);
const SELECT_LIST = Prisma.raw(FIELDS.map((f) => `"${COLUMN[f]}" AS "${f}"`).join(", "));

const toNumber = (v: unknown) => (typeof v === "bigint" ? Number(v) : (v as number));
const toBool = (v: unknown) => v === true || v === 1 || v === 1n;
const toDate = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

function normalise(raw: Record<string, unknown>): ConfigRow {
  const row = { ...raw } as Record<string, unknown>;
  for (const f of FIELDS) {
    if (f.endsWith("Enabled")) row[f] = toBool(raw[f]);
    else if (f === "id" || f === "version" || f.endsWith("Version") || /Paranoia|Threshold|Requests|WindowSec|Burst/.test(f)) row[f] = toNumber(raw[f]);
    else if (f.endsWith("At")) row[f] = toDate(raw[f]);
  }
  return row as unknown as ConfigRow;
}

type Queryable = Pick<Tx, "$queryRaw">;

/** The config row, read without a lock (outside or inside a transaction). */
export async function selectConfigRow(q: Queryable): Promise<ConfigRow | null> {
  const rows = await q.$queryRaw<Record<string, unknown>[]>`SELECT ${SELECT_LIST} FROM "security_configs" WHERE "id" = 1`;
  return rows[0] ? normalise(rows[0]) : null;
}

/** The intent lock and the read in one statement: see lock.ts. */
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
