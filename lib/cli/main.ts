import "server-only";
import "./log-to-stderr";
import { applyCommand } from "./commands/apply";
import { backupCommand } from "./commands/backup";
import { createAdminCommand } from "./commands/create-admin";
import { crowdsecInitCommand } from "./commands/crowdsec-init";
import { migrateCommand } from "./commands/migrate";
import { reconcileCommand } from "./commands/reconcile";
import { resetPasswordCommand } from "./commands/reset-password";
import { restoreCommand } from "./commands/restore";
import { statusCommand } from "./commands/status";
import { verifyCommand } from "./commands/verify";

// `npm run cli -- <command>`. Exit 0 only on success; never a success line after a failure.

const USAGE = `usage: npm run cli -- <command>

commands:
  migrate [--no-backup]                      back up, then apply pending migrations (DATABASE_URL, default
                                             file:./data/warden.db); --no-backup skips the backup (WARN)
  migrate --dry-run [--json]                 apply the pending migrations to a throwaway copy and report each one;
                                             the database itself is only read; exit 0 only when all would succeed
  migrate resolve --applied|--rolled-back N  mark failed migration N as applied / rolled back (as Prisma's migrate resolve)
  status [--json]                            migration and schema health; exit 0 only when healthy
  backup [--json]                            back up the database now into <WARDEN_DATA_DIR>/backups
  backup --list [--json]                     the backups there, newest first, each with its restore command
  restore <file>|--latest [--force]          verify a backup's checksum and restore it (refused while a panel uses
                                             the database unless --force); ends every session
  reconcile [--json]                         make the runtime (the CrowdSec agent) match the stored intent now, as the
                                             panel does at boot; exit 0 only when everything matches
  apply [--json]                             make the runtime match the intent (WAF tuning file, scenario links, agent
                                             reload); for an external CrowdSec, print the commands to run
  verify [--site <host>] [--json]            Verify protection now: a benign request, an attack (from 127.0.0.3) and a
                                             burst (from 127.0.0.4) through the edge to each enabled site; exit 0 only
                                             when every enabled protection was seen enforced
  crowdsec:init                              create the managed CrowdSec instance (offline, from the Debian package)
  create-admin <username> [--additional]     create an admin without the browser; the password is read from standard
                                             input (typed twice on a terminal), never from an argument; refuses when an
                                             admin exists unless --additional
  reset-password <username>                  set a one-time password (printed), or the one piped on stdin; the admin
                                             must choose a new one at next sign-in; all of their sessions end`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  migrate: migrateCommand,
  backup: backupCommand,
  restore: restoreCommand,
  status: statusCommand,
  reconcile: reconcileCommand,
  "crowdsec:init": crowdsecInitCommand,
  apply: applyCommand,
  verify: verifyCommand,
  "reset-password": resetPasswordCommand,
  "create-admin": createAdminCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "help" || command === "--help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // End a half-written progress line ("applying X … ") before the failure.
    process.stdout.write("\n");
    console.error(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
