import "server-only";
import { redactUrl } from "../../db-url";
import { env } from "../../env";
import { restoreBackup } from "../../migrations/backup/restore-backup";

const USAGE = "usage: npm run cli -- restore <backup file> | restore --latest   [--force]";

/**
 * `restore <file>|--latest [--force]`: verifies the backup's checksum, refuses while a panel uses the
 * database unless --force, restores, ends every session, prints the resulting migration state.
 */
export async function restoreCommand(args: string[]): Promise<number> {
  const force = args.includes("--force");
  const latest = args.includes("--latest");
  const rest = args.filter((a) => a !== "--force" && a !== "--latest");
  const unknownFlag = rest.find((a) => a.startsWith("-"));
  if (unknownFlag || (latest ? rest.length !== 0 : rest.length !== 1)) {
    console.error(`${unknownFlag ? `unknown restore option ${unknownFlag}\n` : ""}${USAGE}`);
    return 2;
  }
  const url = env().DATABASE_URL;
  const result = await restoreBackup(url, latest ? { latest: true } : rest[0]!, { force });
  console.log(
    `Restored ${result.backup.path} (taken ${result.backup.createdAt}, ${result.backup.migrations.length} migrations applied then) into ${redactUrl(url)}.`,
  );
  if (result.forced) console.log("WARNING: a running panel was using the database (--force): restart it.");
  console.log(`WARNING: every session was ended (${result.sessionsEnded}): the backup's sessions and password hashes may be stale; admins sign in again.`);
  console.log(`Migration state now: ${result.report.summary}`);
  for (const reason of result.report.reasons.slice(1)) console.log(`  - ${reason}`);
  return 0;
}
