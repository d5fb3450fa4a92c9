import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../lib/db";
import type { Provider } from "../lib/db-url";
import { seedSetupToken } from "./support/setup-token";
import { cleanupTempDirs, freshPostgres, freshSqliteUrl } from "./support/databases";
import { withDeadline } from "./support/wait";
import { PROJECT_ROOT } from "./support/writer-process";

// First-run setup submitted by several separate processes at the same instant (within one process the
// SQLite driver would serialise them): exactly one admin; every other process is told setup is closed.
// The same racer processes race on a SQLite file, then on a PostgreSQL database (start-up paid once).

const PROCESSES = 3;
const RACER = fileURLToPath(new URL("./support/setup-racer.ts", import.meta.url));

interface RacerEvent {
  racer: "ready" | "created" | "closed" | "error";
  key?: string;
  username?: string;
  message?: string;
}

function spawnRacer(urls: Record<Provider, string>, username: string) {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", RACER, JSON.stringify({ urls, username })], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, WARDEN_LOG_LEVEL: "error" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const events: RacerEvent[] = [];
  const listeners: (() => void)[] = [];
  let stderr = "";
  let rest = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines.filter((l) => l.startsWith('{"racer"'))) {
      events.push(JSON.parse(line) as RacerEvent);
      for (const listener of listeners) listener();
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.on("error", () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  /** The first event matching `match`, or a rejection if the process exits first. */
  const next = (match: (e: RacerEvent) => boolean) =>
    new Promise<RacerEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(match);
        if (found) resolve(found);
      };
      listeners.push(check);
      check();
      void exited.then((code) => reject(new Error(`racer ${username} exited (${code}); stderr: ${stderr}`)));
    });
  return { child, username, exited, next, stderr: () => stderr, send: (line: string) => child.stdin.write(`${line}\n`) };
}

let urls: Record<Provider, string>;
let dropPostgres: (() => Promise<void>) | undefined;
let racers: ReturnType<typeof spawnRacer>[] = [];

beforeAll(async () => {
  const [sqlite, postgres] = await Promise.all([freshSqliteUrl(), freshPostgres()]);
  dropPostgres = postgres.drop;
  urls = { sqlite, postgresql: postgres.url };
  // Every racer holds the one valid setup token; only one can spend it.
  for (const url of Object.values(urls)) {
    const db = createDb(url);
    await seedSetupToken(db);
    await db.$disconnect();
  }
  racers = Array.from({ length: PROCESSES }, (_, i) => spawnRacer(urls, `admin${i + 1}`));
  await Promise.all(racers.map((r) => r.next((e) => e.racer === "ready")));
});

afterAll(async () => {
  for (const r of racers) r.child.stdin.end();
  const codes = await withDeadline(Promise.all(racers.map((r) => r.exited)), 10_000, () => "timeout" as const);
  for (const r of racers) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  await dropPostgres?.();
  cleanupTempDirs();
  expect(codes, racers.map((r) => r.stderr()).join("\n")).toEqual(racers.map(() => 0));
});

describe.each(["sqlite", "postgresql"] as const)("setup race across processes on %s", (provider) => {
  it(`${PROCESSES} processes submit setup at once: exactly one admin`, async () => {
    for (const r of racers) r.send(`go ${provider}`); // all at once
    const outcomes = await Promise.all(racers.map((r) => r.next((e) => e.key === provider)));

    expect(outcomes.filter((o) => o.racer === "error")).toEqual([]);
    const created = outcomes.filter((o) => o.racer === "created");
    expect(created).toHaveLength(1);
    expect(outcomes.filter((o) => o.racer === "closed")).toHaveLength(PROCESSES - 1);

    const db = createDb(urls[provider]);
    try {
      const users = await db.user.findMany();
      expect(users.map((u) => u.username)).toEqual([created[0]!.username]);
      expect(await db.account.count()).toBe(1);
      expect((await db.authEvent.findMany()).map((e) => [e.event, e.username])).toEqual([["setup", created[0]!.username]]);
      expect(await db.setupToken.count()).toBe(0); // spent
    } finally {
      await db.$disconnect();
    }
  });
});
