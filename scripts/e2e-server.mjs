#!/usr/bin/env node
// One of Playwright's webServers: a fresh data directory (auth secret, CrowdSec instance) and a fresh
// database (DATABASE_URL: a SQLite file:, or a PostgreSQL database that is dropped and created
// again), migrated by Warden's migrator, and the production build served by Warden's server
// (server.mjs) on E2E_PORT. playwright.config.ts chooses the URL (e2e/database.ts, E2E_DB).
//
// Build: E2E_BUILD=build builds first unless E2E_SKIP_BUILD=1 (CI and local iterations build once);
// E2E_BUILD=reuse never builds and serves the build the first webServer just made (Playwright starts
// webServers one after another and waits for each to answer, so the build is finished by then).
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, resolve, sep } from "node:path";
import pg from "pg";

const port = process.env.E2E_PORT ?? "3100";
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const name = env.E2E_SERVER_NAME ?? `e2e:${port}`;
const databaseUrl = env.DATABASE_URL ?? "";
const isSqlite = databaseUrl.startsWith("file:");
if (!isSqlite && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  throw new Error(`${name}: DATABASE_URL must be a file: URL (SQLite) or a postgres:// URL (PostgreSQL)`);
}

// Each server has its own data directory (generated auth secret, CrowdSec instance, SQLite database):
// remove it, but only a directory named e2e-* (never the developer's ./data).
const dataDir = env.WARDEN_DATA_DIR ? resolve(env.WARDEN_DATA_DIR) : null;
if (dataDir && basename(dataDir).startsWith("e2e-")) {
  // A CrowdSec agent of a previous run may still be up: the panel starts it detached (own process
  // group) so it outlives the server. Stop it before its instance directory goes away.
  await stopAgentsUnder(dataDir);
  await stopEdgesUnder(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}
if (dataDir) {
  mkdirSync(dataDir, { recursive: true });
  // The edge's workers (nobody) pass through every parent of <data dir>/edge: the shared ./data that
  // holds the e2e servers' directories must let them (a test run may have made it 0700).
  const parent = dirname(dataDir);
  const parentMode = statSync(parent).mode & 0o777;
  if ((parentMode & 0o001) === 0) {
    chmodSync(parent, parentMode | 0o011);
    console.log(`${name}: ${parent} was ${parentMode.toString(8)}; made passable (${(parentMode | 0o011).toString(8)}) for the edge's workers`);
  }
}
if (isSqlite) {
  const dbFile = resolve(databaseUrl.replace(/^file:/, "").replace(/\?.*$/, ""));
  for (const suffix of ["", "-wal", "-shm"]) rmSync(dbFile + suffix, { force: true });
  mkdirSync(dirname(dbFile), { recursive: true });
} else {
  await recreatePostgresDatabase(databaseUrl);
}

/** Runs `npm <args>`; resolves when it succeeded, exits this script when it failed. */
const run = (args) =>
  new Promise((resolveRun) => {
    const started = Date.now();
    const child = spawn("npm", args, { stdio: "inherit", env });
    child.on("exit", (code, signal) => {
      if (code !== 0) {
        console.error(`${name}: npm ${args.join(" ")} failed (${signal ?? code})`);
        process.exit(code || 1);
      }
      console.log(`${name}: npm ${args.join(" ")} took ${Date.now() - started} ms`);
      resolveRun();
    });
  });

// The migration needs no build: both run at once.
const mode = env.E2E_BUILD ?? "build";
const build = mode === "build" && env.E2E_SKIP_BUILD !== "1" ? run(["run", "build"]) : Promise.resolve();
await Promise.all([build, run(["run", "db:migrate"])]);
if (!existsSync(".next/BUILD_ID")) {
  console.error(`${name}: no production build in .next (run \`npx next build\`, or let the first webServer build it)`);
  process.exit(1);
}

const server = spawn(process.execPath, ["server.mjs", "-p", port, "-H", "127.0.0.1"], { stdio: "inherit", env: { NODE_ENV: "production", ...env } });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

/**
 * Drops the URL's database and creates it empty, through the server's maintenance database
 * "postgres". Only databases named warden_e2e_* (e2e/database.ts): never a developer's. Connections
 * a previous run left open (a server killed mid-query, a test's client) are terminated first; DROP
 * … WITH (FORCE) would do it too, but a visible count helps when a run left something behind.
 */
async function recreatePostgresDatabase(url) {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  if (!/^warden_e2e_[a-z0-9_]+$/.test(database)) {
    throw new Error(`${name}: refusing to drop PostgreSQL database "${database}" (only warden_e2e_* databases are recreated)`);
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  const started = Date.now();
  await client.connect();
  try {
    const terminated = await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]);
    if (terminated.rowCount) console.log(`${name}: terminated ${terminated.rowCount} connection(s) left on ${database}`);
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  console.log(`${name}: PostgreSQL database ${database} recreated in ${Date.now() - started} ms`);
}

// ---------------------------------------------------------------------------------------------------
// CrowdSec agents, from /proc (the same rules as e2e/crowdsec-agents.ts, which the tests use).

/** The process is there and not a zombie. */
function isRunning(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The absolute `-c` path of a `crowdsec` process, or null. */
function agentConfig(pid) {
  let argv;
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return null;
  }
  if (argv.at(-1) === "") argv.pop();
  if (!argv.length || basename(argv[0]) !== "crowdsec") return null;
  let config = null;
  for (let i = 1; i < argv.length && config === null; i++) {
    if (argv[i] === "-c" || argv[i] === "--c") config = argv[i + 1] ?? null;
    else if (/^--?c=/.test(argv[i])) config = argv[i].slice(argv[i].indexOf("=") + 1);
  }
  if (!config) return null;
  if (isAbsolute(config)) return resolve(config);
  try {
    return resolve(readlinkSync(`/proc/${pid}/cwd`), config);
  } catch {
    return null;
  }
}

// Function declarations (hoisted): these run at the top of the script, before the code below them.
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitGone(pids, ms) {
  const deadline = Date.now() + ms;
  let alive = pids.filter(isRunning);
  while (alive.length && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isRunning);
  }
  return alive;
}

/** SIGKILL every nginx whose working directory is under `dir` (the panel runs its edge in <dir>/edge). */
async function stopEdgesUnder(dir) {
  const link = (pid, what) => {
    try {
      return readlinkSync(`/proc/${pid}/${what}`);
    } catch {
      return "";
    }
  };
  const prefix = dir + sep;
  const pids = readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => isRunning(pid) && basename(link(pid, "exe")) === "nginx" && link(pid, "cwd").startsWith(prefix));
  if (!pids.length) return;
  console.log(`${name}: stopping the edge left by a previous run in ${dir}: pid ${pids.join(", ")}`);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  const left = await waitGone(pids, 5_000);
  if (left.length) {
    console.error(`${name}: edge process(es) ${left.join(", ")} would not die; not removing ${dir}`);
    process.exit(1);
  }
}

/** SIGTERM every `crowdsec -c <dir>/…` agent, SIGKILL after 8 s. */
async function stopAgentsUnder(dir) {
  let entries = [];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return;
  }
  const prefix = dir + sep;
  const pids = entries.map(Number).filter((pid) => isRunning(pid) && (agentConfig(pid) ?? "").startsWith(prefix));
  if (!pids.length) return;
  console.log(`${name}: stopping CrowdSec agent(s) left by a previous run in ${dir}: pid ${pids.join(", ")}`);
  const signal = (pid, sig) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  for (const pid of pids) signal(pid, "SIGTERM");
  const stubborn = await waitGone(pids, 8_000);
  for (const pid of stubborn) signal(pid, "SIGKILL");
  const left = await waitGone(stubborn, 2_000);
  if (left.length) {
    console.error(`${name}: CrowdSec agent(s) ${left.join(", ")} would not die; not removing ${dir}`);
    process.exit(1);
  }
}
