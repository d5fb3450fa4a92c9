import "server-only";
import { redactUrl } from "../../db-url";
import { env } from "../../env";
import { takeBackup } from "../../migrations/backup/take-backup";
import { backupsDir, listBackups } from "../../migrations/backup/catalog";

const USAGE = "usage: npm run cli -- backup [--json] | backup --list [--json]";

/** `backup`: one backup now (kept with the others under <WARDEN_DATA_DIR>/backups). `--list`: the backups there. */
export async function backupCommand(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== "--json" && a !== "--list");
  if (unknown.length > 0) {
    console.error(`unknown backup argument: ${unknown.join(" ")}\n${USAGE}`);
    return 2;
  }
  const json = args.includes("--json");
  if (args.includes("--list")) {
    const backups = listBackups(backupsDir());
    if (json) console.log(JSON.stringify(backups, null, 2));
    else if (backups.length === 0) console.log(`No backups in ${backupsDir()}.`);
    else
      for (const b of backups)
        console.log(
          `${b.createdAt}  ${b.provider.padEnd(10)}  ${String(b.size).padStart(12)} B  ${b.migrations.length} migrations  ${b.path}\n    ${b.restoreCommand}`,
        );
    return 0;
  }
  const url = env().DATABASE_URL;
  if (!json) console.log(`Backing up ${redactUrl(url)}`);
  const backup = await takeBackup(url, { reason: "manual" });
  if (json) console.log(JSON.stringify(backup, null, 2));
  else {
    console.log(
      `Backup: ${backup.path} (${backup.size} bytes, SHA-256 ${backup.sha256.slice(0, 12)}…, ${backup.migrations.length} migrations applied, ${backup.tool})`,
    );
    console.log(`To restore it: ${backup.restoreCommand}`);
  }
  return 0;
}
