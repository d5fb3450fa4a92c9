import "server-only";
import { randomUUID } from "node:crypto";
import { advisoryLockSql } from "../advisory-locks";
import type { RawConnection } from "./connection";
import { scriptMatchesChecksum } from "./checksum";
import type { MigrationFile } from "./folder";
import { ensureHistoryTable, readHistory } from "./history";
import { splitSql, statementAt, stripComments } from "./sql-split";

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration: string,
    readonly statement: string | null,
    readonly databaseError: string,
  ) {
    super(message);
    this.name = "MigrationError";
  }
}

export interface MigrateEvents {
  onStart?(name: string): void;
  onApplied?(name: string, ms: number): void;
}

export interface MigrateResult {
  applied: { name: string; ms: number }[];
  alreadyApplied: number;
}

// Statements that cannot run inside the transaction each migration gets (or that would end it).
const NOT_IN_TRANSACTION: { pattern: RegExp; why: string }[] = [
  { pattern: /^\s*(BEGIN|COMMIT|ROLLBACK|END|START\s+TRANSACTION|SAVEPOINT|RELEASE)\b/i, why: "controls the transaction itself" },
  { pattern: /\bCONCURRENTLY\b/i, why: "cannot run inside a transaction (CONCURRENTLY)" },
  { pattern: /^\s*VACUUM\b/i, why: "cannot run inside a transaction (VACUUM)" },
  { pattern: /^\s*ALTER\s+TYPE\b[\s\S]*\bADD\s+VALUE\b/i, why: "adds an enum value, which cannot be used in the same transaction" },
];

// Prisma's generated SQLite table rebuilds ("RedefineTables") carry `PRAGMA foreign_keys=OFF/ON`.
// Inside a transaction they are no-ops; the migrator already turns foreign keys off before BEGIN and
// back on after COMMIT (with foreign_key_check before it), so they are skipped, not refused.
const MANAGED_PRAGMA = /^\s*PRAGMA\s+foreign_keys\b/i;

/** Refuses a migration that the migrator could not run safely in one transaction, naming the statement. */
export function checkTransactionSafe(file: MigrationFile): void {
  for (const statement of splitSql(file.script)) {
    const sql = stripComments(statement.sql).trim();
    const hit = NOT_IN_TRANSACTION.find((rule) => rule.pattern.test(sql));
    if (hit) {
      throw new MigrationError(
        `migration ${file.name} was not applied: a statement ${hit.why}; Warden applies each migration in one transaction. Statement: ${firstLine(sql)}`,
        file.name,
        sql,
        "refused before running",
      );
    }
  }
}

const firstLine = (sql: string) => (sql.split("\n")[0] ?? "").slice(0, 200);

/**
 * Applies pending migrations in order, each in its own transaction, stopping at the first failure.
 * A failure is recorded in `_prisma_migrations` as Prisma does (started, not finished, with logs),
 * which blocks later runs until it is resolved.
 */
export async function applyMigrations(conn: RawConnection, files: MigrationFile[], events: MigrateEvents = {}): Promise<MigrateResult> {
  for (const file of files) checkTransactionSafe(file);
  await ensureHistoryTable(conn);
  if (conn.provider === "postgresql") await conn.query(advisoryLockSql.lock("migrate"));
  try {
    const history = await readHistory(conn);
    const failed = history.filter((h) => h.finishedAt === null && h.rolledBackAt === null);
    if (failed.length > 0) {
      const name = failed[0]!.migrationName;
      throw new MigrationError(
        `migration ${name} failed earlier and is unresolved; fix the database, then run \`npm run cli -- migrate resolve --applied ${name}\` or \`--rolled-back ${name}\``,
        name,
        null,
        failed[0]!.logs ?? "",
      );
    }
    for (const h of history.filter((h) => h.finishedAt && !h.rolledBackAt)) {
      const file = files.find((f) => f.name === h.migrationName);
      if (file && !scriptMatchesChecksum(file.script, h.checksum)) {
        // Prisma's deploy applies regardless; Warden refuses to build on an edited history.
        throw new MigrationError(
          `migration ${h.migrationName} was modified after it was applied (checksum ${h.checksum.slice(0, 12)}… recorded, file is ${file.checksum.slice(0, 12)}…); restore the file or resolve it`,
          h.migrationName,
          null,
          "checksum mismatch",
        );
      }
    }
    const result: MigrateResult = { applied: [], alreadyApplied: 0 };
    for (const file of files) {
      const done = history.some((h) => h.migrationName === file.name && h.finishedAt && !h.rolledBackAt);
      if (done) {
        result.alreadyApplied++;
        continue;
      }
      events.onStart?.(file.name);
      const started = performance.now();
      const appliedNow = conn.provider === "sqlite" ? await applySqlite(conn, file) : await applyPostgres(conn, file);
      if (!appliedNow) {
        result.alreadyApplied++; // another migrator applied it while we waited for the lock
        continue;
      }
      const ms = Math.round(performance.now() - started);
      result.applied.push({ name: file.name, ms });
      events.onApplied?.(file.name, ms);
    }
    return result;
  } finally {
    if (conn.provider === "postgresql") await conn.query(advisoryLockSql.unlock("migrate")).catch(() => undefined);
  }
}

const isApplied = async (conn: RawConnection, name: string, placeholder: string) =>
  (
    await conn.query(`SELECT 1 FROM "_prisma_migrations" WHERE "migration_name" = ${placeholder} AND "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`, [
      name,
    ])
  ).length > 0;

/** As Prisma records a failed migration: started, never finished, with the error in `logs`. */
async function recordFailure(conn: RawConnection, file: MigrationFile, logs: string): Promise<void> {
  const sql =
    conn.provider === "sqlite"
      ? `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "logs", "started_at", "applied_steps_count") VALUES (?, ?, ?, ?, ?, 0)`
      : `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "logs", "started_at", "applied_steps_count") VALUES ($1, $2, $3, $4, now(), 0)`;
  const params = [randomUUID(), file.checksum, file.name, logs];
  await conn.query(sql, conn.provider === "sqlite" ? [...params, new Date().toISOString()] : params);
}

/**
 * SQLite: foreign keys go off *before* BEGIN (the pragma is a no-op inside a transaction), so a
 * table rebuild (create new, copy, drop old) does not cascade-delete child rows; `foreign_key_check`
 * runs before COMMIT so broken references fail the migration instead of landing.
 */
async function applySqlite(conn: RawConnection, file: MigrationFile): Promise<boolean> {
  await conn.exec("PRAGMA foreign_keys = OFF");
  let statement: string | null = null;
  try {
    await conn.exec("BEGIN IMMEDIATE");
    try {
      if (await isApplied(conn, file.name, "?")) {
        await conn.exec("ROLLBACK");
        return false;
      }
      const id = randomUUID();
      await conn.query(`INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count") VALUES (?, ?, ?, ?, 0)`, [
        id,
        file.checksum,
        file.name,
        new Date().toISOString(),
      ]);
      for (const s of splitSql(file.script)) {
        if (MANAGED_PRAGMA.test(stripComments(s.sql))) continue;
        statement = s.sql;
        await conn.exec(s.sql);
      }
      statement = "PRAGMA foreign_key_check";
      const violations = await conn.query<{ table: string; parent: string }>("PRAGMA foreign_key_check");
      if (violations.length > 0) {
        const v = violations[0]!;
        throw new Error(`foreign key check failed: ${violations.length} row(s), first in table ${v.table} referencing ${v.parent}`);
      }
      statement = null;
      await conn.query(`UPDATE "_prisma_migrations" SET "finished_at" = ?, "applied_steps_count" = 1 WHERE "id" = ?`, [new Date().toISOString(), id]);
      await conn.exec("COMMIT");
      return true;
    } catch (error) {
      await conn.exec("ROLLBACK").catch(() => undefined);
      const message = (error as Error).message;
      await recordFailure(conn, file, message);
      throw new MigrationError(failureMessage(file.name, statement, message), file.name, statement, message);
    }
  } finally {
    await conn.exec("PRAGMA foreign_keys = ON");
  }
}

async function applyPostgres(conn: RawConnection, file: MigrationFile): Promise<boolean> {
  if (await isApplied(conn, file.name, "$1")) return false;
  const id = randomUUID();
  await conn.exec("BEGIN");
  try {
    await conn.query(
      `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count") VALUES ($1, $2, $3, now(), 0)`,
      [id, file.checksum, file.name],
    );
    await conn.exec(file.script);
    await conn.query(`UPDATE "_prisma_migrations" SET "finished_at" = now(), "applied_steps_count" = 1 WHERE "id" = $1`, [id]);
    await conn.exec("COMMIT");
    return true;
  } catch (error) {
    await conn.exec("ROLLBACK").catch(() => undefined);
    const message = (error as Error).message;
    const position = Number((error as { position?: string }).position);
    const statement = Number.isFinite(position) && position > 0 ? statementAt(file.script, position - 1) : await findFailingStatement(conn, file.script);
    await recordFailure(conn, file, message);
    throw new MigrationError(failureMessage(file.name, statement, message), file.name, statement, message);
  }
}

/**
 * PostgreSQL reports no error position for some failures (a unique index over duplicate rows, NOT NULL
 * on a column with nulls): replay the statements one by one in a transaction that is rolled back, to
 * name the one that fails. Only runs after the migration already failed and was rolled back.
 */
async function findFailingStatement(conn: RawConnection, script: string): Promise<string | null> {
  try {
    await conn.exec("BEGIN");
    for (const s of splitSql(script)) {
      try {
        await conn.exec(s.sql);
      } catch {
        return s.sql;
      }
    }
    return null;
  } catch {
    return null;
  } finally {
    await conn.exec("ROLLBACK").catch(() => undefined);
  }
}

function failureMessage(name: string, statement: string | null, dbError: string): string {
  const where = statement ? ` at statement: ${firstLine(stripComments(statement).trim())}` : "";
  return `migration ${name} failed${where}: ${dbError}`;
}
