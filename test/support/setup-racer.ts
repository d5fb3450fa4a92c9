// A separate process that submits first-run setup, as a second panel process (or a second replica on
// the same database) would. Used by test/auth-setup-race.test.ts:
//
//   node --conditions=react-server --import tsx test/support/setup-racer.ts '{"urls":{"sqlite":"file:/tmp/x.db"},"username":"admin1"}'
//
// It connects to every database first (so start-up cost is paid once, before any race), then for each
// line `go <key>` on stdin submits setup to urls[key]; it exits when stdin ends.
// Protocol on stdout, one JSON object per line with a "racer" field:
//   {"racer":"ready"}                              connected to every database, waiting for "go <key>"
//   {"racer":"created","key":"…","username":"…"}   this process created the first admin
//   {"racer":"closed","key":"…"}                   SetupClosedError: another process was first
//   {"racer":"error","key":"…","message":"…"}      anything else (the test fails on it)
import { createInterface } from "node:readline";
import { createDb } from "../../lib/db";
import { createFirstAdmin, SetupClosedError } from "../../lib/auth/first-admin";
import { TEST_SETUP_TOKEN } from "./setup-token";

const options = JSON.parse(process.argv[2] ?? "{}") as { urls?: Record<string, string>; username?: string };
if (!options.urls || !options.username) {
  console.error("setup-racer: missing urls or username");
  process.exit(2);
}
const username = options.username;
const PASSWORD = "first admin password";

const emit = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ racer: event, ...fields })}\n`);

async function main(): Promise<void> {
  const dbs = Object.fromEntries(Object.entries(options.urls!).map(([key, url]) => [key, createDb(url)]));
  try {
    await Promise.all(Object.values(dbs).map((db) => db.user.count())); // connect before any race
    emit("ready");
    for await (const line of createInterface({ input: process.stdin })) {
      const [command, key] = line.trim().split(" ");
      const db = key ? dbs[key] : undefined;
      if (command !== "go" || !db) continue;
      try {
        await createFirstAdmin(db, { username, password: PASSWORD, confirm: PASSWORD, token: TEST_SETUP_TOKEN }, { ip: "127.0.0.1", userAgent: "setup-racer" });
        emit("created", { key, username });
      } catch (error) {
        if (error instanceof SetupClosedError) emit("closed", { key });
        else emit("error", { key, message: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    await Promise.all(Object.values(dbs).map((db) => db.$disconnect()));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error("setup-racer failed:", error);
    process.exit(1);
  },
);
