import "server-only";
import { redactUrl } from "../../db-url";
import { env } from "../../env";
import { dryRunMigrations, type DryRunReport } from "../../migrations/backup/dry-run";
import { openRawConnection } from "../../migrations/connection";
import { describeDatabaseError } from "../../migrations/db-errors";
import { resolveMigration, type ResolveAs } from "../../migrations/resolve";
import { migrateSafely } from "../../migrations/safe-migrate";
import { plural } from "../../plural";

const USAGE = "usage: npm run cli -- migrate [--no-backup] | migrate --dry-run [--json] | migrate resolve --applied <name> | --rolled-back <name>";

/**
 * `migrate [--no-backup]`: a backup, then the pending migrations. `migrate --dry-run [--json]`: the
 * pending migrations on a throwaway copy. `migrate resolve --applied|--rolled-back <name>`: as Prisma's.
 */
export async function migrateCommand(args: string[]): Promise<number> {
  const url = env().DATABASE_URL;
  if (args[0] === "resolve") return resolve(url, args.slice(1));
  const unknown = args.filter((a) => !["--dry-run", "--no-backup", "--json"].includes(a));
  if (unknown.length > 0 || (args.includes("--dry-run") && args.includes("--no-backup")) || (args.includes("--json") && !args.includes("--dry-run"))) {
    console.error(`${unknown.length ? `unknown migrate argument: ${unknown.join(" ")}\n` : ""}${USAGE}`);
    return 2;
  }
  if (args.includes("--dry-run")) return dryRun(url, args.includes("--json"));
  console.log(`Migrating ${redactUrl(url)}`);
  const result = await migrateSafely(url, {
    backup: !args.includes("--no-backup"),
    events: {
      onBackupStart: () => process.stdout.write("  backing up … "),
      onBackup: (backup) => console.log(`done: ${backup.path} (${plural(backup.size, "byte")})`),
      onStart: (name) => process.stdout.write(`  applying ${name} … `),
      onApplied: (_name, ms) => console.log(`done (${ms} ms)`),
    },
  });
  if (result.backupSkipped === "no-backup") console.log("  WARNING: no backup was taken (--no-backup)");
  if (result.backupSkipped === "fresh-install") console.log("  no backup: a fresh database has nothing to lose");
  console.log(
    result.applied.length === 0
      ? `Database is up to date: ${plural(result.alreadyApplied, "migration")} already applied, none pending.`
      : `Applied ${plural(result.applied.length, "migration")}; ${result.alreadyApplied} ${result.alreadyApplied === 1 ? "was" : "were"} already applied.`,
  );
  if (result.backup) console.log(`To undo: ${result.backup.restoreCommand}`);
  return 0;
}

function printDryRun(report: DryRunReport): void {
  const pending = report.steps.length;
  console.log(
    pending === 0 ? "No pending migrations: nothing to test." : `${plural(pending, "pending migration")}, applied to a copy (made in ${report.copyMs} ms):`,
  );
  for (const step of report.steps) {
    if (step.status === "applied") console.log(`  ok       ${step.name} (${step.ms} ms)`);
    else if (step.status === "not_run") console.log(`  not run  ${step.name} (an earlier migration failed)`);
    else {
      console.log(`  FAILED   ${step.name}${step.ms !== null ? ` (after ${step.ms} ms)` : ""}`);
      if (step.statement) console.log(`           statement: ${step.statement.split("\n").join("\n                      ")}`);
      console.log(`           error: ${step.error}`);
    }
  }
  console.log(`Schema of the copy afterwards: ${report.verdict.summary}`);
  console.log(report.ok ? "Dry run passed; the database itself was not changed." : "Dry run FAILED; the database itself was not changed.");
}

async function dryRun(url: string, json: boolean): Promise<number> {
  if (!json) console.log(`Dry run against a copy of ${redactUrl(url)}`);
  const report = await dryRunMigrations(url);
  if (json) console.log(JSON.stringify(report, null, 2));
  else printDryRun(report);
  return report.ok ? 0 : 1;
}

async function resolve(url: string, args: string[]): Promise<number> {
  const flag = args.find((a) => a === "--applied" || a === "--rolled-back");
  const name = args.find((a) => !a.startsWith("--"));
  if (!flag || !name || args.length !== 2) {
    console.error("usage: npm run cli -- migrate resolve --applied <name> | --rolled-back <name>");
    return 2;
  }
  let conn;
  try {
    conn = await openRawConnection(url, { mustExist: true });
  } catch (error) {
    throw new Error(describeDatabaseError(url, error));
  }
  try {
    console.log(await resolveMigration(conn, url, name, flag.slice(2) as ResolveAs));
    return 0;
  } finally {
    await conn.close();
  }
}
