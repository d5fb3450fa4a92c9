// npm run bench:health — what migration health costs (docs/decisions/004):
//  1. building the full report for 500 migrations touching 50 tables (target <= 100 ms),
//  2. the boot gate on a healthy database (target <= 50 ms),
//  3. GET /api/health requests/s against the production build beside a bare route handler
//     (GET /api/health/live, no database) measured in the same run (target >= 0.8 of the bare rate),
//  4. what Warden's server (server.mjs: client address, CSP nonce) costs: the bare route under it and
//     under a plain `next start` of the same build, in the same run (target >= 0.9).
// Last line: one JSON object. Exit 1 only when the bench itself failed; a missed target is reported.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { resetSchemaGate, runBootGate } from "../lib/migrations/gate";
import { buildMigrationReport } from "../lib/migrations/report";
import { migrateDatabase } from "../lib/migrations/run";

const root = join(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "warden-bench-health-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 100) / 100;

async function timeReport500(): Promise<number> {
  const dir = join(work, "migrations-500");
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 500; i++) {
    const name = `${String(20000101000000 + i)}_step_${i}`;
    mkdirSync(join(dir, name));
    const table = `bench_t${i % 50}`;
    const sql =
      i < 50
        ? `CREATE TABLE "${table}" ("id" INTEGER NOT NULL PRIMARY KEY, "c0" TEXT);\n`
        : `ALTER TABLE "${table}" ADD COLUMN "c${Math.floor(i / 50)}" TEXT;\n`;
    writeFileSync(join(dir, name, "migration.sql"), `-- bench migration ${i}\n${sql}`);
  }
  const url = `file:${join(work, "report-500.db")}`;
  await migrateDatabase(url, {}, dir);
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    const report = await buildMigrationReport(url, { dir });
    times.push(performance.now() - t);
    if (report.counts.applied !== 500) throw new Error(`expected 500 applied migrations, got ${report.counts.applied}`);
  }
  return median(times.slice(5));
}

async function timeBootGate(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    resetSchemaGate();
    const t = performance.now();
    const gate = await runBootGate(url);
    times.push(performance.now() - t);
    if (!gate.ok) throw new Error(`boot gate not healthy: ${gate.report.summary}`);
  }
  resetSchemaGate();
  return median(times.slice(5));
}

async function rate(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, connections: 10, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return Math.round(result.requests.average);
}

async function startServer(url: string, port: number, kind: "warden" | "next-start" = "warden"): Promise<ChildProcess> {
  const command =
    kind === "warden"
      ? [join(root, "server.mjs"), "-p", String(port), "-H", "127.0.0.1"]
      : [join(root, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"];
  const child = spawn(process.execPath, command, {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, WARDEN_DATA_DIR: work, WARDEN_LOG_LEVEL: "warn", NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return child;
  }
  child.kill("SIGTERM");
  throw new Error("the production server did not become healthy within 20 s");
}

/** SIGTERM, then wait for the exit, so the next server measured does not share the CPU with it. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function main(): Promise<void> {
  if (!existsSync(join(root, ".next", "BUILD_ID"))) throw new Error("no production build: run `npm run build` first");
  console.log("bench:health — migration report, boot gate, /api/health throughput (2-core machine, SQLite, WAL + synchronous=FULL)");
  const report500 = await timeReport500();
  console.log(`  report, 500 migrations / 50 tables: ${round(report500)} ms (median of 20)`);

  const url = `file:${join(work, "warden.db")}`;
  await migrateDatabase(url);
  const bootGate = await timeBootGate(url);
  console.log(`  boot gate, healthy database:        ${round(bootGate)} ms (median of 20)`);

  const port = 3900 + Math.floor(Math.random() * 50);
  const server = await startServer(url, port);
  let bare: number, health: number;
  try {
    await rate(`http://127.0.0.1:${port}/api/health/live`, 2); // warm-up
    await rate(`http://127.0.0.1:${port}/api/health`, 2);
    bare = await rate(`http://127.0.0.1:${port}/api/health/live`, 10);
    health = await rate(`http://127.0.0.1:${port}/api/health`, 10);
  } finally {
    await stop(server);
  }
  const ratio = health / bare;
  console.log(
    `  bare route handler (/api/health/live): ${bare} req/s; /api/health: ${health} req/s (ratio ${round(ratio)}; autocannon, 10 connections, 10 s each, same run)`,
  );

  // The same bare route under a plain `next start` of the same build, then under server.mjs again:
  // the server's figure is the mean of its two runs around next start's, so drift over the run
  // (thermal, other load) does not favour either.
  const nextStart = await startServer(url, port + 50, "next-start");
  let nextStartRate: number;
  try {
    await rate(`http://127.0.0.1:${port + 50}/api/health/live`, 2);
    nextStartRate = await rate(`http://127.0.0.1:${port + 50}/api/health/live`, 10);
  } finally {
    await stop(nextStart);
  }
  const again = await startServer(url, port + 51);
  let bareAgain: number;
  try {
    await rate(`http://127.0.0.1:${port + 51}/api/health/live`, 2);
    bareAgain = await rate(`http://127.0.0.1:${port + 51}/api/health/live`, 10);
  } finally {
    await stop(again);
  }
  const customServer = Math.round((bare + bareAgain) / 2);
  const serverRatio = customServer / nextStartRate;
  console.log(
    `  bare route under server.mjs: ${customServer} req/s (${bare}, ${bareAgain}); under next start: ${nextStartRate} req/s (ratio ${round(serverRatio)})`,
  );

  const targets = [
    ["report for 500 migrations <= 100 ms", report500 <= 100],
    ["boot gate <= 50 ms", bootGate <= 50],
    ["/api/health >= 0.8 x bare route", ratio >= 0.8],
    ["server.mjs >= 0.9 x next start (bare route)", serverRatio >= 0.9],
  ] as const;
  for (const [label, met] of targets) console.log(`  ${met ? "MET   " : "MISSED"} ${label}`);
  console.log(
    JSON.stringify({
      report_500_ms: round(report500),
      boot_gate_ms: round(bootGate),
      health_req_per_s: health,
      bare_req_per_s: bare,
      health_to_bare_ratio: round(ratio),
      custom_server_req_per_s: customServer,
      next_start_req_per_s: nextStartRate,
      custom_server_to_next_start_ratio: round(serverRatio),
      targets_met: targets.every(([, met]) => met),
    }),
  );
}

main()
  .catch((error: unknown) => {
    console.error(`bench:health FAILED: ${(error as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
