// `npm run bench:toggle`: the speed of the intent write path (lib/security toggleProtection: one
// transaction writing SecurityConfig, the Setting mirror and the audit row), no engine, with the
// production durability settings (SQLite WAL + synchronous=FULL as lib/db.ts sets them; PostgreSQL
// server defaults). Sequential commits/s and p50/p99 latency on SQLite and PostgreSQL, then the same
// with concurrent writer processes retrying on conflict. The last line is one JSON object.
// Exit status: 0 when the bench ran (targets MET or MISSED), 1 when the bench itself failed.
// See bench/README.md for the figures measured on this machine and how to reproduce them.

// Logging at info would print one line per commit and measure the logger; the bench says so below.
process.env.WARDEN_LOG_LEVEL = "warn";

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

// Dynamic imports: lib/log reads WARDEN_LOG_LEVEL when it is first loaded.
const { createDb } = await import("../lib/db");
const { migrateDatabase } = await import("../lib/migrations/run");
const { readIntent, toggleProtection } = await import("../lib/security/intent-store");
const { checkStoreConsistency } = await import("../lib/security/consistency");
type Db = ReturnType<typeof createDb>;

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
const SEQ_WARMUP = int("BENCH_WARMUP", 200);
const SEQ_COMMITS = int("BENCH_COMMITS", 2000);
const WRITERS = int("BENCH_WRITERS", 8);
const PER_WRITER = int("BENCH_COMMITS_PER_WRITER", 250);
const WRITER_WARMUP = 20;
const PG_ADMIN_URL = process.env.WARDEN_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const TARGETS = { sqliteP99Ms: 10, sqliteCommitsPerS: 500, postgresP99Ms: 20 };

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const WORKER = fileURLToPath(new URL("./toggle-worker.ts", import.meta.url));

interface Stats {
  commits: number;
  commitsPerS: number;
  p50: number;
  p99: number;
  max: number;
  conflicts?: number;
}

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(latencies: number[], elapsedMs: number, conflicts?: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    commits: latencies.length,
    commitsPerS: (latencies.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
    conflicts,
  };
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const fmt = (s: Stats) =>
  `${Math.round(s.commitsPerS).toString().padStart(5)} commits/s   p50 ${r2(s.p50).toFixed(2)} ms   p99 ${r2(s.p99).toFixed(2)} ms   max ${r2(s.max).toFixed(2)} ms` +
  (s.conflicts === undefined ? "" : `   conflicts retried ${s.conflicts}`);

/** The store must be whole after the run, or the figures mean nothing. */
async function verify(db: Db, label: string): Promise<void> {
  const [consistency, version, committed] = await Promise.all([
    checkStoreConsistency(db),
    readIntent(db).then((i) => i.version),
    db.securityAudit.count({ where: { outcome: "committed" } }),
  ]);
  if (!consistency.consistent) throw new Error(`${label}: mirror != config after the run: ${JSON.stringify(consistency.mismatches)}`);
  if (committed !== version) throw new Error(`${label}: ${committed} committed audit rows but global version ${version}`);
}

async function sequential(url: string, label: string): Promise<Stats> {
  const db = createDb(url);
  try {
    let seen = (await readIntent(db)).waf;
    const ctx = { actor: "bench" };
    const toggle = async () => {
      seen = (await toggleProtection(db, { protection: "waf", on: !seen.enabled, expectedVersion: seen.version }, ctx)).intent.waf;
    };
    for (let i = 0; i < SEQ_WARMUP; i++) await toggle();
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < SEQ_COMMITS; i++) {
      const t0 = performance.now();
      await toggle();
      latencies.push(performance.now() - t0);
    }
    const result = stats(latencies, performance.now() - started);
    await verify(db, label);
    return result;
  } finally {
    await db.$disconnect();
  }
}

interface WorkerResult {
  latencies: number[];
  conflicts: number;
  startedAt: number;
  endedAt: number;
}

/** WRITERS processes start together (after their warm-up), each toggling random protections, retrying on conflict. */
async function concurrent(url: string, label: string): Promise<Stats> {
  const workers = Array.from({ length: WRITERS }, (_, i) => {
    const options = { url, warmup: WRITER_WARMUP, commits: PER_WRITER, worker: `w${i + 1}` };
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", WORKER, JSON.stringify(options)], {
      cwd: ROOT,
      env: process.env,
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes('{"bench":"ready"}')) onReady();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, ready, exited, output: () => out, name: options.worker };
  });
  try {
    const failedEarly = Promise.all(workers.map((w) => w.exited)).then(() => {
      throw new Error("writer processes exited before they were ready");
    });
    await Promise.race([Promise.all(workers.map((w) => w.ready)), failedEarly]);
    for (const w of workers) w.child.stdin.write("go\n");
    const codes = await Promise.all(workers.map((w) => w.exited));
    codes.forEach((code, i) => {
      if (code !== 0) throw new Error(`${label}: writer ${workers[i]!.name} exited with ${code}`);
    });
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  }
  const results = workers.map((w) => {
    const line = w
      .output()
      .split("\n")
      .find((l) => l.startsWith('{"bench":"result"'));
    if (!line) throw new Error(`${label}: writer ${w.name} printed no result`);
    return JSON.parse(line) as WorkerResult;
  });
  const elapsed = Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  const result = stats(
    results.flatMap((r) => r.latencies),
    elapsed,
    results.reduce((n, r) => n + r.conflicts, 0),
  );
  const db = createDb(url);
  try {
    await verify(db, label);
  } finally {
    await db.$disconnect();
  }
  return result;
}

async function sqliteSettings(url: string): Promise<string> {
  const db = createDb(url);
  try {
    const read = async (name: string) => Object.values((await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`))[0]!)[0];
    const sync = Number(await read("synchronous"));
    return `journal_mode=${String(await read("journal_mode"))} synchronous=${sync === 2 ? "FULL" : sync === 3 ? "EXTRA" : `${sync} (NOT FULL)`} busy_timeout=${String(await read("busy_timeout"))} ms`;
  } finally {
    await db.$disconnect();
  }
}

async function postgresSettings(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const show = async (name: string) => (await client.query(`SHOW ${name}`)).rows[0][name] as string;
    const version = (await show("server_version")).split(" ")[0];
    return `server ${version}, synchronous_commit=${await show("synchronous_commit")} fsync=${await show("fsync")} wal_sync_method=${await show("wal_sync_method")} default isolation=${await show("default_transaction_isolation")}`;
  } finally {
    await client.end();
  }
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (error) {
      console.error(`cleanup failed: ${(error as Error).message}`);
    }
  }
}
process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));

async function main(): Promise<void> {
  console.log("bench:toggle: the intent write path (lib/security toggleProtection), no engine");
  console.log(`logging: WARDEN_LOG_LEVEL=warn (set by the bench; info logs one line per commit)`);
  console.log(`machine: ${cpus().length} cores, Node ${process.version}`);

  const dir = mkdtempSync(join(tmpdir(), "warden-bench-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const sqliteUrl = `file:${join(dir, "bench.db")}`;
  await migrateDatabase(sqliteUrl);

  const pgName = `warden_bench_${Math.random().toString(36).slice(2, 10)}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${pgName}"`));
  cleanups.push(() => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${pgName}" WITH (FORCE)`)).then(() => undefined));
  const pgUrlObject = new URL(PG_ADMIN_URL);
  pgUrlObject.pathname = `/${pgName}`;
  const pgUrl = pgUrlObject.toString();
  await migrateDatabase(pgUrl);

  console.log("initializing both fresh stores (each logs one WARN 'initialized from defaults', as a fresh install does)");
  for (const url of [sqliteUrl, pgUrl]) {
    const db = createDb(url);
    await readIntent(db).finally(() => db.$disconnect());
  }
  console.log(`SQLite:     temp file ${join(dir, "bench.db")}; ${await sqliteSettings(sqliteUrl)} (as lib/db.ts sets them)`);
  console.log(`PostgreSQL: temp database ${pgName}; ${await postgresSettings(pgUrl)} (server defaults)`);
  console.log("");

  console.log(`sequential: 1 writer, ${SEQ_WARMUP} warm-up commits, then ${SEQ_COMMITS} measured (WAF toggled on/off)`);
  const seqSqlite = await sequential(sqliteUrl, "sqlite sequential");
  console.log(`  sqlite      ${fmt(seqSqlite)}`);
  const seqPg = await sequential(pgUrl, "postgresql sequential");
  console.log(`  postgresql  ${fmt(seqPg)}`);

  console.log(
    `concurrent: ${WRITERS} writer processes × ${PER_WRITER} commits (after ${WRITER_WARMUP} warm-up each); each change reads a random ` +
      `protection's version and toggles it, retrying on conflict; latency = first read → commit, retries included`,
  );
  const conSqlite = await concurrent(sqliteUrl, "sqlite concurrent");
  console.log(`  sqlite      ${fmt(conSqlite)}`);
  const conPg = await concurrent(pgUrl, "postgresql concurrent");
  console.log(`  postgresql  ${fmt(conPg)}`);

  console.log("");
  const verdict = (met: boolean) => (met ? "MET" : "MISSED");
  const targets = [
    [`SQLite p99 <= ${TARGETS.sqliteP99Ms} ms`, `${r2(seqSqlite.p99)} ms`, seqSqlite.p99 <= TARGETS.sqliteP99Ms],
    [
      `SQLite >= ${TARGETS.sqliteCommitsPerS} sequential commits/s`,
      `${Math.round(seqSqlite.commitsPerS)}/s`,
      seqSqlite.commitsPerS >= TARGETS.sqliteCommitsPerS,
    ],
    [`PostgreSQL p99 <= ${TARGETS.postgresP99Ms} ms`, `${r2(seqPg.p99)} ms`, seqPg.p99 <= TARGETS.postgresP99Ms],
  ] as const;
  console.log("targets (sequential, this machine):");
  for (const [name, value, met] of targets) console.log(`  ${verdict(met).padEnd(6)} ${name}: ${value}`);
  const missed = targets.filter(([, , met]) => !met).length;
  console.log(missed === 0 ? "all targets MET" : `${missed} target(s) MISSED`);

  console.log(
    JSON.stringify({
      sqlite_p50_ms: r2(seqSqlite.p50),
      sqlite_p99_ms: r2(seqSqlite.p99),
      sqlite_commits_per_s: Math.round(seqSqlite.commitsPerS),
      postgres_p50_ms: r2(seqPg.p50),
      postgres_p99_ms: r2(seqPg.p99),
      postgres_commits_per_s: Math.round(seqPg.commitsPerS),
      sqlite_concurrent_p50_ms: r2(conSqlite.p50),
      sqlite_concurrent_p99_ms: r2(conSqlite.p99),
      sqlite_concurrent_commits_per_s: Math.round(conSqlite.commitsPerS),
      sqlite_concurrent_conflicts: conSqlite.conflicts,
      postgres_concurrent_p50_ms: r2(conPg.p50),
      postgres_concurrent_p99_ms: r2(conPg.p99),
      postgres_concurrent_commits_per_s: Math.round(conPg.commitsPerS),
      postgres_concurrent_conflicts: conPg.conflicts,
      writers: WRITERS,
      sequential_commits: SEQ_COMMITS,
      targets_met: missed === 0,
      log_level: "warn",
    }),
  );
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`bench:toggle FAILED: ${(error as Error).stack ?? String(error)}`);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
