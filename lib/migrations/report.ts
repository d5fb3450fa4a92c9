import "server-only";
import { existsSync, statSync } from "node:fs";
import { providerOf, scrubConnectionDetails, sqlitePath, type Provider } from "../db-url";
import { scriptMatchesChecksum } from "./checksum";
import { openRawConnection, type RawConnection } from "./connection";
import { describeDatabaseError } from "./db-errors";
import { expectedTables } from "./expected-schema";
import { migrationsDir, readMigrationFolder, type MigrationFile } from "./folder";
import { readHistory, type HistoryRow } from "./history";
import { readLiveColumns } from "./live-schema";
import { plural } from "../plural";

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

/** A command line that fixes the schema, exactly as it is to be pasted, and when to choose it. */
export interface Remedy {
  command: string;
  when: string;
}

export interface MigrationReport {
  status: SchemaStatus;
  /** One sentence for the page, the CLI and the logs. */
  summary: string;
  /** Each problem, one line. Empty when healthy. */
  reasons: string[];
  /** The commands that fix it, one per choice (empty when no command would help). */
  remedies: Remedy[];
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
    // A failed migration's logs are the database's own error: never with connection details.
    const migrations = migrationStates(files, history).map((m) => (m.logs ? { ...m, logs: scrubConnectionDetails(m.logs, url) } : m));
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
    // A failed migration comes first: it blocks every later one, so it is the thing to name.
    for (const name of named("failed")) reasons.push(`migration ${name} failed`);
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
        reasons.push(
          `table ${t} is missing although migration ${creator}, which creates it, is applied (changed outside migrations: restore it from a backup or recreate it from that migration's SQL)`,
        );
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
  if (pendingNames.length > 0) {
    const pending = `${plural(pendingNames.length, "migration")} not applied: ${pendingNames.join(", ")}`;
    if (counts.failed > 0) reasons.splice(named("failed").length, 0, pending);
    else reasons.unshift(pending);
  }
  // An SQLite file that does not exist yet is created by `migrate`; other unreachable databases need a person.
  const missingFile = !database.reachable && provider === "sqlite" && (database.error ?? "").endsWith("the file does not exist yet");
  const failed = named("failed")[0];
  const remedies: Remedy[] =
    status === "healthy"
      ? []
      : failed
        ? [
            {
              command: `npm run cli -- migrate resolve --rolled-back ${failed}`,
              when: "Usually: Warden's migrator runs each migration in one transaction, so the failed one left nothing behind. Mark it rolled back, fix its cause, then run `npm run cli -- migrate` to apply it again.",
            },
            {
              command: `npm run cli -- migrate resolve --applied ${failed}`,
              when: "Only if you completed by hand everything this migration does: mark it applied without running it.",
            },
          ]
        : (!database.reachable && !missingFile) || (drifted && pendingNames.length === 0) || counts.modified + counts.unknown > 0
          ? []
          : [
              {
                command: MIGRATE_COMMAND,
                when: missingFile ? "Creates the database file and applies every migration." : "Applies the pending migrations, each in one transaction.",
              },
            ];
  const fix = remedies.length === 1 ? ` Run \`${remedies[0]!.command}\`.` : remedies.length > 1 ? " Resolve it with one of the commands given." : "";
  const summary =
    status === "healthy"
      ? `Healthy: ${plural(counts.applied, "migration")} applied, schema complete.`
      : `${status === "pending" ? "Pending" : "Degraded"}: ${reasons[0]}.${fix}`;
  return {
    status,
    summary,
    reasons,
    remedies,
    provider,
    database,
    counts,
    migrations,
    schema,
    checkedAt: new Date().toISOString(),
    tookMs: Math.round((performance.now() - started) * 10) / 10,
  };
}
