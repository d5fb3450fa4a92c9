#!/usr/bin/env node
// One of Playwright's webServers: a fresh data directory (SQLite database + auth secret), migrated by
// Warden's migrator, and the production build served by `next start` on E2E_PORT.
//
// Build: E2E_BUILD=build builds first unless E2E_SKIP_BUILD=1 (CI and local iterations build once);
// E2E_BUILD=reuse never builds and serves the build the first webServer just made (Playwright starts
// webServers one after another and waits for each to answer, so the build is finished by then).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";

const port = process.env.E2E_PORT ?? "3100";
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const name = env.E2E_SERVER_NAME ?? `e2e:${port}`;
const dbFile = (env.DATABASE_URL ?? "").replace(/^file:/, "");
if (!dbFile) throw new Error(`${name}: DATABASE_URL must be a file: URL`);

// Each server has its own data directory (database, generated auth secret): remove it, but only a
// directory named e2e-* (never the developer's ./data).
const dataDir = env.WARDEN_DATA_DIR ? resolve(env.WARDEN_DATA_DIR) : null;
if (dataDir && basename(dataDir).startsWith("e2e-")) rmSync(dataDir, { recursive: true, force: true });
for (const suffix of ["", "-wal", "-shm"]) rmSync(dbFile + suffix, { force: true });
mkdirSync(dataDir ?? dirname(resolve(dbFile)), { recursive: true });

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

const server = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", port, "-H", "127.0.0.1"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
