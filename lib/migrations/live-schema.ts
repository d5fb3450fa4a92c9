import "server-only";
import type { RawConnection } from "./connection";

export interface LiveColumn {
  table: string;
  column: string;
  nullable: boolean;
}

/** Every table and column of the live database, in one query. */
export async function readLiveColumns(conn: RawConnection): Promise<{ tables: Set<string>; columns: Map<string, LiveColumn> }> {
  const rows =
    conn.provider === "sqlite"
      ? (
          await conn.query<{ table_name: string; column_name: string | null; notnull: number | bigint | null; pk: number | bigint | null }>(
            `SELECT m.name AS table_name, p.name AS column_name, p."notnull" AS "notnull", p.pk AS pk
             FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
          )
        ).map((r) => ({
          table: r.table_name,
          column: r.column_name,
          // SQLite reports a non-INTEGER primary key as nullable; Prisma's models treat it as required.
          nullable: r.column_name !== null && Number(r.notnull) === 0 && Number(r.pk) === 0,
        }))
      : (
          await conn.query<{ table_name: string; column_name: string | null; is_nullable: string | null }>(
            `SELECT t.table_name, c.column_name, c.is_nullable
             FROM information_schema.tables t
             LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
             WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`,
          )
        ).map((r) => ({ table: r.table_name, column: r.column_name, nullable: r.is_nullable === "YES" }));
  const tables = new Set<string>();
  const columns = new Map<string, LiveColumn>();
  for (const r of rows) {
    tables.add(r.table);
    if (r.column) columns.set(`${r.table}.${r.column}`, { table: r.table, column: r.column, nullable: r.nullable });
  }
  return { tables, columns };
}
