import { existsSync, statSync } from "node:fs";
import { providerOf, sqlitePath, type Provider } from "../db-url";
import { scriptMatchesChecksum } from "./checksum";
import { openRawConnection, type RawConnection } from "./connection";
import { describeDatabaseError } from "./db-errors";
import { expectedTables } from "./expected-schema";
import { migrationsDir, readMigrationFolder, type MigrationFile } from "./folder";
import { readHistory, type HistoryRow } from "./history";
import { readLiveColumns } from "./live-schema";

export const MIGRATE_COMMAND = "npm run cli -- migrate";

export type MigrationState = "applied" | "pending" | "failed" | "rolled_back" | "modified" | "unknown";
export const MIGRATION_STATES: MigrationState[] = ["applied", "pending", "failed", "rolled_back", "modified", "unknown"];
export type SchemaStatus = "healthy" | "pending" | "degraded";

export interface MigrationEntry {
  name: string;
  state: MigrationState;
  startedAt: string | null;
  finishedAt: string | null;
  rolledBackAt: string | null;
  durationMs: number | null;
  fileChecksum: string | null;
  recordedChecksum: string | null;
  logs: string | null;
}

export interface ColumnCheck {
  name: string;
  field: string;
  present: boolean;
  expectedNullable: boolean;
  actualNullable: boolean | null;
}
export interface TableCheck {
  name: string;
  model: string;
  present: boolean;
  columns: ColumnCheck[];
}
export interface SchemaIntegrity {
  tables: TableCheck[];
  missingTables: string[];
  /** "table.column" */
  missingColumns: string[];
  /** "table.column: expected NOT NULL, found nullable" */
  nullabilityMismatches: string[];
  unexpectedTables: string[];
}

export interface MigrationReport {
  status: SchemaStatus;
  /** One sentence for the page, the CLI and the logs. */
  summary: string;
  /** Each problem, one line. Empty when healthy. */
  reasons: string[];
  /** The command that fixes it, when one does. */
  remedy: string | null;
  provider: Provider;
  database: { reachable: boolean; latencyMs: number | null; error: string | null };
  counts: Record<MigrationState, number>;
  migrations: MigrationEntry[];
  schema: SchemaIntegrity | null;
  checkedAt: string;
  /** How long building this report took. */
  tookMs: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The state of each migration, from the folder and `_prisma_migrations`, as Prisma reads them. */
export function migrationStates(files: MigrationFile[], history: HistoryRow[]): MigrationEntry[] {
  // Several rows can name one migration (failed, rolled back, applied again): the latest decides.
  const latest = new Map<string, HistoryRow>();
  for (const row of history) {
    const seen = latest.get(row.migrationName);
    if (!seen || row.startedAt.getTime() >= seen.startedAt.getTime()) latest.set(row.migrationName, row);
  }
  const entries: MigrationEntry[] = files.map((file) => {
    const row = latest.get(file.name);
    if (!row) return entry(file.name, "pending", null, file);
    if (row.rolledBackAt) return entry(file.name, "rolled_back", row, file);
    if (!row.finishedAt) return entry(file.name, "failed", row, file);
    return entry(file.name, scriptMatchesChecksum(file.script, row.checksum) ? "applied" : "modified", row, file);
  });
  const known = new Set(files.map((f) => f.name));
  for (const [name, row] of latest) if (!known.has(name)) entries.push(entry(name, "unknown", row, null));
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

function entry(name: string, state: MigrationState, row: HistoryRow | null, file: MigrationFile | null): MigrationEntry {
  return {
    name,
    state,
    startedAt: iso(row?.startedAt ?? null),
    finishedAt: iso(row?.finishedAt ?? null),
    rolledBackAt: iso(row?.rolledBackAt ?? null),
    durationMs: row?.finishedAt ? Math.max(0, row.finishedAt.getTime() - row.startedAt.getTime()) : null,
    fileChecksum: file?.checksum ?? null,
    recordedChecksum: row?.checksum ?? null,
    logs: row?.logs ?? null,
  };
}

export async function checkSchema(conn: RawConnection): Promise<SchemaIntegrity> {
  const live = await readLiveColumns(conn);
  const expected = expectedTables(conn.provider);
  const tables: TableCheck[] = expected.map((t) => ({
    name: t.name,
    model: t.model,
    present: live.tables.has(t.name),
    columns: t.columns.map((c) => {
      const found = live.columns.get(`${t.name}.${c.name}`);
      return { name: c.name, field: c.field, present: Boolean(found), expectedNullable: c.nullable, actualNullable: found ? found.nullable : null };
    }),
  }));
  const expectedNames = new Set(expected.map((t) => t.name));
  return {
    tables,
    missingTables: tables.filter((t) => !t.present).map((t) => t.name),
    missingColumns: tables.filter((t) => t.present).flatMap((t) => t.columns.filter((c) => !c.present).map((c) => `${t.name}.${c.name}`)),
    nullabilityMismatches: tables.flatMap((t) =>
      t.columns
        .filter((c) => c.present && c.actualNullable !== c.expectedNullable)
        .map((c) => `${t.name}.${c.name}: expected ${c.expectedNullable ? "nullable" : "NOT NULL"}, found ${c.actualNullable ? "nullable" : "NOT NULL"}`),
    ),
    unexpectedTables: [...live.tables].filter((name) => !expectedNames.has(name) && name !== "_prisma_migrations").sort(),
  };
}

function countStates(migrations: MigrationEntry[]): Record<MigrationState, number> {
  const counts = Object.fromEntries(MIGRATION_STATES.map((s) => [s, 0])) as Record<MigrationState, number>;
  for (const m of migrations) counts[m.state]++;
  return counts;
}

/**
 * The full migration-health report. Never throws for a broken database: an unreachable or unusable
 * database is itself a degraded report naming the cause, never the URL or a part of it.
 */
export async function buildMigrationReport(url: string, options: { dir?: string; timeoutMs?: number } = {}): Promise<MigrationReport> {
  const started = performance.now();
  const provider = providerOf(url);
  const files = readMigrationFolder(options.dir ?? migrationsDir(provider));
  if (provider === "sqlite") {
    // Said plainly before opening: SQLite's own error ("unable to open") is the same for all of these.
    const path = sqlitePath(url, { createDir: false });
    const problem = !existsSync(path) ? "the file does not exist yet" : statSync(path).isDirectory() ? "the path is a directory, not a database file" : null;
    if (problem) return assemble(provider, { reachable: false, latencyMs: null, error: `database unusable: ${problem}` }, [], null, started, true);
  }
  let conn: RawConnection | undefined;
  try {
    const t0 = performance.now();
    conn = await openRawConnection(url, { mustExist: true, timeoutMs: options.timeoutMs ?? 2_000 });
    await conn.query("SELECT 1");
    const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
    const [history, schema] = await Promise.all([readHistory(conn), checkSchema(conn)]);
    const migrations = migrationStates(files, history);
    return assemble(provider, { reachable: true, latencyMs, error: null }, migrations, schema, started, false, tableCreators(files));
  } catch (error) {
    const message = describeDatabaseError(url, error);
    // Unreachable: the history cannot be read, so no migration has a known state.
    return assemble(provider, { reachable: false, latencyMs: null, error: message }, [], null, started, true);
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

/** Which migration creates each table (from its `CREATE TABLE "name"`), to say where a lost table came from. */
function tableCreators(files: MigrationFile[]): Map<string, string> {
  const creators = new Map<string, string>();
  for (const file of files) {
    for (const match of file.script.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?/gi)) {
      if (!creators.has(match[1]!)) creators.set(match[1]!, file.name);
    }
  }
  return creators;
}

function assemble(
  provider: Provider,
  database: MigrationReport["database"],
  migrations: MigrationEntry[],
  schema: SchemaIntegrity | null,
  started: number,
  unreachable = false,
  creators: Map<string, string> = new Map(),
): MigrationReport {
  const counts = unreachable ? countStates([]) : countStates(migrations);
  const reasons: string[] = [];
  if (!database.reachable) reasons.push(database.error ?? "database unreachable");
  const named = (state: MigrationState) => migrations.filter((m) => m.state === state).map((m) => m.name);
  if (!unreachable) {
    for (const name of named("failed")) reasons.push(`migration ${name} failed; resolve it: npm run cli -- migrate resolve --applied|--rolled-back ${name}`);
    for (const name of named("modified")) reasons.push(`migration ${name} was edited after it was applied (checksum differs)`);
    for (const name of named("unknown")) reasons.push(`migration ${name} is recorded in the database but missing from the migrations folder`);
  }
  const pendingNames = unreachable ? [] : [...named("pending"), ...named("rolled_back")];
  const appliedNames = new Set(named("applied"));
  // A table or column missing although the migration that creates it is applied was changed outside
  // migrations: `migrate` will not bring it back.
  let drifted = false;
  if (schema) {
    for (const t of schema.missingTables) {
      const creator = creators.get(t);
      if (creator && appliedNames.has(creator)) {
        drifted = true;
        reasons.push(`table ${t} is missing although migration ${creator}, which creates it, is applied (changed outside migrations: restore it from a backup or recreate it from that migration's SQL)`);
      } else reasons.push(`table ${t} is missing`);
    }
    for (const c of schema.missingColumns) reasons.push(`column ${c} is missing`);
    for (const n of schema.nullabilityMismatches) reasons.push(`column ${n}`);
    if (schema.missingColumns.length + schema.nullabilityMismatches.length > 0 && pendingNames.length === 0) drifted = true;
  }
  const broken = !database.reachable || counts.failed + counts.modified + counts.unknown > 0;
  // Missing tables that a pending migration will create are "pending", not "degraded" on their own.
  const schemaBroken = schema ? schema.missingTables.length + schema.missingColumns.length + schema.nullabilityMismatches.length > 0 : false;
  const status: SchemaStatus = broken || (schemaBroken && pendingNames.length === 0) ? "degraded" : pendingNames.length > 0 ? "pending" : "healthy";
  if (pendingNames.length > 0) reasons.unshift(`${pendingNames.length} migration(s) not applied: ${pendingNames.join(", ")}`);
  // An SQLite file that does not exist yet is created by `migrate`; other unreachable databases need a person.
  const missingFile = !database.reachable && provider === "sqlite" && (database.error ?? "").endsWith("the file does not exist yet");
  const remedy =
    status === "healthy"
      ? null
      : counts.failed > 0
        ? `npm run cli -- migrate resolve --applied|--rolled-back ${named("failed")[0]}`
        : (!database.reachable && !missingFile) || (drifted && pendingNames.length === 0) || counts.modified + counts.unknown > 0
          ? null
          : MIGRATE_COMMAND;
  const summary =
    status === "healthy"
      ? `Healthy: ${counts.applied} migration(s) applied, schema complete.`
      : `${status === "pending" ? "Pending" : "Degraded"}: ${reasons[0]}.${remedy ? ` Run \`${remedy}\`.` : ""}`;
  return {
    status,
    summary,
    reasons,
    remedy,
    provider,
    database,
    counts,
    migrations,
    schema,
    checkedAt: new Date().toISOString(),
    tookMs: Math.round((performance.now() - started) * 10) / 10,
  };
}
