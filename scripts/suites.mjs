#!/usr/bin/env node
// Runs npm scripts one after another and prints how long each took, then a summary table.
//
//   node scripts/suites.mjs test:unit test:agent test:e2e:sqlite E2E_SKIP_BUILD=1 test:e2e:postgres
//
// A NAME=value argument sets that variable for the next script only (as in a shell). Every script
// runs even when an earlier one failed (CI learns about all of them in one run); the exit code is
// non-zero when any failed. Interrupted (SIGINT/SIGTERM): the rest are not started and the exit code is
// non-zero. SIGTERM is passed on to the running script; SIGINT is not (Ctrl-C in a terminal already
// reaches every process of the foreground group, and a second SIGINT makes Playwright quit at once,
// skipping its teardown).
import { spawn } from "node:child_process";

const suites = [];
let pendingEnv = {};
for (const arg of process.argv.slice(2)) {
  const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(arg);
  if (assignment) pendingEnv[assignment[1]] = assignment[2];
  else {
    suites.push({ script: arg, env: pendingEnv });
    pendingEnv = {};
  }
}
if (!suites.length || Object.keys(pendingEnv).length) {
  console.error("usage: node scripts/suites.mjs [NAME=value ...] <npm script> [[NAME=value ...] <npm script> ...]");
  process.exit(2);
}

function duration(ms) {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds - minutes * 60)).padStart(2, "0")} s`;
}

const label = ({ script, env }) => [...Object.entries(env).map(([k, v]) => `${k}=${v}`), script].join(" ");

let child = null;
let interrupted = null;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted = signal;
    if (signal === "SIGTERM") child?.kill(signal);
  });
}

const results = [];
const startedAll = Date.now();
for (const suite of suites) {
  if (interrupted) break;
  console.log(`\n==> ${label(suite)}`);
  const started = Date.now();
  const outcome = await new Promise((resolveRun) => {
    child = spawn("npm", ["run", suite.script], { stdio: "inherit", env: { ...process.env, ...suite.env } });
    child.on("error", (error) => resolveRun(`failed (${error.message})`));
    child.on("exit", (code, signal) => resolveRun(code === 0 ? "passed" : `failed (${signal ?? `exit ${code}`})`));
  });
  child = null;
  const ms = Date.now() - started;
  results.push({ name: label(suite), outcome, ms });
  console.log(`<== ${label(suite)}: ${outcome} in ${duration(ms)}`);
}

const width = Math.max(...suites.map((s) => label(s).length));
const outcomeWidth = Math.max(...results.map((r) => r.outcome.length), 6);
console.log(`\nsuites (${duration(Date.now() - startedAll)} in all):`);
for (const r of results) console.log(`  ${r.name.padEnd(width)}  ${r.outcome.padEnd(outcomeWidth)}  ${duration(r.ms)}`);
for (const suite of suites.slice(results.length)) console.log(`  ${label(suite).padEnd(width)}  not run (${interrupted})`);

const failed = results.filter((r) => r.outcome !== "passed");
if (failed.length || interrupted) {
  console.error(
    `\n${failed.length} of ${suites.length} suite(s) failed${interrupted ? `; interrupted by ${interrupted}` : ""}: ${failed.map((r) => r.name).join(", ") || "-"}`,
  );
  process.exit(1);
}
