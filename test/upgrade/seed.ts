import type { RawConnection } from "../../lib/migrations/connection";

// A seed file per migration (test/upgrade/seeds/<migration name>.ts) adds realistic rows for what
// that migration introduced, as the panel would have written them then. Values are JavaScript values;
// `insertSeed` writes them as Prisma's adapters do (SQLite: booleans 1/0, dates ISO 8601 "+00:00").

export type SeedValue = string | number | boolean | Date | null;
export type SeedRow = Record<string, SeedValue>;
/** Rows per table, inserted in this order (parents first). */
export type Seed = Record<string, SeedRow[]>;

const asSqlite = (value: SeedValue) =>
  typeof value === "boolean" ? (value ? 1 : 0) : value instanceof Date ? value.toISOString().replace("Z", "+00:00") : value;

/**
 * Tables of exactly one row (id 1), which the first release's seed inserts: a later seed's row for
 * them sets the columns its migration added on that row instead of inserting a second one.
 */
const SINGLE_ROW_TABLES = new Set(["security_configs"]);

export async function insertSeed(conn: RawConnection, seed: Seed): Promise<void> {
  const param = (i: number) => (conn.provider === "sqlite" ? "?" : `$${i + 1}`);
  for (const [table, rows] of Object.entries(seed)) {
    for (const row of rows) {
      const columns = Object.keys(row);
      const values = Object.values(row).map((v) => (conn.provider === "sqlite" ? asSqlite(v) : v));
      const existing = SINGLE_ROW_TABLES.has(table) ? await conn.query(`SELECT 1 FROM "${table}" WHERE "id" = 1`) : [];
      if (existing.length > 0) {
        const sets = columns.filter((c) => c !== "id").map((c, i) => `"${c}" = ${param(i)}`);
        await conn.query(
          `UPDATE "${table}" SET ${sets.join(", ")} WHERE "id" = 1`,
          values.filter((_, i) => columns[i] !== "id"),
        );
        continue;
      }
      await conn.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((_, i) => param(i)).join(", ")})`, values);
    }
  }
}

/** A date a given number of days before the seeds' "now" (fixed, so digests are stable). */
export const daysAgo = (days: number, at = "2026-12-01T12:00:00.000Z") => new Date(Date.parse(at) - days * 86_400_000);
