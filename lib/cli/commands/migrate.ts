import { redactUrl } from "../../db-url";
import { env } from "../../env";
import { openRawConnection } from "../../migrations/connection";
import { describeDatabaseError } from "../../migrations/db-errors";
import { resolveMigration, type ResolveAs } from "../../migrations/resolve";
import { migrateDatabase } from "../../migrations/run";
import { plural } from "../../plural";

/** `migrate`: apply pending migrations. `migrate resolve --applied|--rolled-back <name>`: as Prisma's. */
export async function migrateCommand(args: string[]): Promise<number> {
  const url = env().DATABASE_URL;
  if (args[0] === "resolve") return resolve(url, args.slice(1));
  if (args.length > 0) {
    console.error(`unknown migrate argument: ${args.join(" ")}`);
    return 2;
  }
  console.log(`Migrating ${redactUrl(url)}`);
  const result = await migrateDatabase(url, {
    onStart: (name) => process.stdout.write(`  applying ${name} … `),
    onApplied: (_name, ms) => console.log(`done (${ms} ms)`),
  });
  console.log(
    result.applied.length === 0
      ? `Database is up to date: ${plural(result.alreadyApplied, "migration")} already applied, none pending.`
      : `Applied ${plural(result.applied.length, "migration")}; ${result.alreadyApplied} ${result.alreadyApplied === 1 ? "was" : "were"} already applied.`,
  );
  return 0;
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
