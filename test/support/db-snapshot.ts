import { createHash } from "node:crypto";
import { openRawConnection } from "../../lib/migrations/connection";
import { readLiveColumns } from "../../lib/migrations/live-schema";

// What a database holds, to prove it unchanged (a dry run, a refused restore) or intact (an upgrade):
// its schema, and per table the row count and a SHA-256 of every row (the given columns, all rows in
// a stable order).

export interface TableDigest {
  columns: string[];
  rows: number;
  sha256: string;
}

const canonical = (value: unknown): unknown =>
  value instanceof Date ? value.toISOString() : typeof value === "bigint" ? value.toString() : Buffer.isBuffer(value) ? value.toString("hex") : value;

/** Per table: its columns (or those given), row count and rows' digest. */
export async function digestTables(url: string, columnsOf?: Record<string, string[]>): Promise<Record<string, TableDigest>> {
  const conn = await openRawConnection(url, { mustExist: true });
  try {
    const live = await readLiveColumns(conn);
    const digests: Record<string, TableDigest> = {};
    for (const table of [...live.tables].sort()) {
      if (columnsOf && !columnsOf[table]) continue;
      const columns =
        columnsOf?.[table] ??
        [...live.columns.values()]
          .filter((c) => c.table === table)
          .map((c) => c.column)
          .sort();
      const list = columns.map((c) => `"${c}"`).join(", ");
      const rows = await conn.query<Record<string, unknown>>(`SELECT ${list} FROM "${table}" ORDER BY ${columns.map((_, i) => i + 1).join(", ")}`);
      const hash = createHash("sha256");
      for (const row of rows) hash.update(JSON.stringify(columns.map((c) => canonical(row[c]))) + "\n");
      digests[table] = { columns, rows: rows.length, sha256: hash.digest("hex") };
    }
    return digests;
  } finally {
    await conn.close();
  }
}

/** The schema as the database describes it: tables, columns with types, indexes. */
export async function describeSchema(url: string): Promise<string[]> {
  const conn = await openRawConnection(url, { mustExist: true });
  try {
    if (conn.provider === "sqlite") {
      return (await conn.query<{ type: string; name: string; sql: string | null }>(`SELECT type, name, sql FROM sqlite_master ORDER BY type, name`)).map(
        (r) => `${r.type} ${r.name}: ${r.sql}`,
      );
    }
    const columns = await conn.query<{ d: string }>(
      `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS d
       FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1`,
    );
    const indexes = await conn.query<{ d: string }>(`SELECT indexname || ': ' || indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`);
    return [...columns, ...indexes].map((r) => r.d);
  } finally {
    await conn.close();
  }
}

export async function countRows(url: string, table: string): Promise<number> {
  const conn = await openRawConnection(url, { mustExist: true });
  try {
    const [row] = await conn.query<{ n: number | string }>(`SELECT count(*) AS n FROM "${table}"`);
    return Number(row!.n);
  } finally {
    await conn.close();
  }
}

export async function execSql(url: string, sql: string, params: unknown[] = []): Promise<void> {
  const conn = await openRawConnection(url, { mustExist: true });
  try {
    if (params.length) await conn.query(sql, params);
    else await conn.exec(sql);
  } finally {
    await conn.close();
  }
}
