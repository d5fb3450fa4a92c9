import { redactUrl } from "../db-url";
import { env } from "../env";
import { MigrationError } from "../migrations/migrate";
import { migrateDatabase } from "../migrations/run";

// `npm run cli -- <command>`. Exit 0 only on success; never a success line after a failure.

const USAGE = `usage: npm run cli -- <command>

commands:
  migrate                    apply pending database migrations (DATABASE_URL, default file:./data/warden.db)
  reset-password <username>  set a one-time password (printed), or the one piped on stdin; the admin
                             must choose a new one at next sign-in; all of their sessions end`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function resetPasswordCommand(username: string | undefined): Promise<number> {
  if (!username) {
    console.error(`reset-password needs a username\n\n${USAGE}`);
    return 2;
  }
  const [{ db }, { resetPassword, generateOneTimePassword }] = await Promise.all([import("../db"), import("../auth/reset-password")]);
  // A password piped on stdin is used as is (one line); on a terminal, a one-time password is generated.
  const piped = process.stdin.isTTY ? "" : (await readStdin()).replace(/\r?\n$/, "");
  const password = piped || generateOneTimePassword();
  try {
    const result = await resetPassword(db(), username, password);
    console.log(`Password of "${result.username}" reset; ${result.sessionsEnded} session(s) ended.`);
    if (!piped) console.log(`One-time password: ${password}`);
    console.log("The admin must choose a new password at next sign-in.");
    return 0;
  } finally {
    await db().$disconnect();
  }
}

async function migrate(): Promise<number> {
  const url = env().DATABASE_URL;
  console.log(`Migrating ${redactUrl(url)}`);
  const result = await migrateDatabase(url, {
    onStart: (name) => process.stdout.write(`  applying ${name} … `),
    onApplied: (_name, ms) => console.log(`done (${ms} ms)`),
  });
  console.log(
    result.applied.length === 0
      ? `Database is up to date: ${result.alreadyApplied} migration(s) already applied, none pending.`
      : `Applied ${result.applied.length} migration(s); ${result.alreadyApplied} were already applied.`,
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case "migrate":
      return migrate();
    case "reset-password":
      return resetPasswordCommand(argv[1]);
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // End a half-written progress line ("applying X … ") before the failure.
    process.stdout.write("\n");
    const message = error instanceof MigrationError || error instanceof Error ? error.message : String(error);
    console.error(`FAILED: ${message}`);
    process.exit(1);
  },
);
