#!/usr/bin/env node
// Playwright's webServer: a fresh SQLite database, migrated by Warden's migrator, and the
// production build served by `next start`. The build runs unless E2E_SKIP_BUILD=1 (CI builds once).
import { spawnSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";

const port = process.env.E2E_PORT ?? "3100";
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const dbFile = (env.DATABASE_URL ?? "").replace(/^file:/, "");
if (!dbFile) throw new Error("e2e-server: DATABASE_URL must be a file: URL");
for (const suffix of ["", "-wal", "-shm"]) rmSync(dbFile + suffix, { force: true });

const run = (args) => {
  const r = spawnSync("npm", args, { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(["run", "db:migrate"]);
if (env.E2E_SKIP_BUILD !== "1") run(["run", "build"]);
const server = spawn("npx", ["next", "start", "-p", port], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
