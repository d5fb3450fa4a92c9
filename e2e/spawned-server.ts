import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor, withDeadline } from "../test/support/wait";
import { scratchDatabase } from "./database";

// A Warden server of the test's own (server.mjs on the production build), for what needs a
// configuration the shared e2e servers do not have: trusted proxies, a public https URL, a database
// that is down, a setting refused at boot. Its database is the run's (E2E_DB), fresh for each server.
// Its output is kept for the test to read.

export interface SpawnedServer {
  url: string;
  pid: number;
  /** Its WARDEN_DATA_DIR. */
  dataDir: string;
  /** Its DATABASE_URL (a scratch database of the run's E2E_DB), for tests that write to it directly. */
  databaseUrl: string;
  /** Everything the server printed so far (stdout and stderr). */
  output: () => string;
  /** Resident memory of the server process, in MiB (from /proc). */
  rssMiB: () => number;
  stop: () => Promise<void>;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function launch(
  env: Record<string, string>,
  port: number,
): Promise<{ child: ChildProcess; output: () => string; dataDir: string; databaseUrl: string; cleanup: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "warden-e2e-server-"));
  const database = await scratchDatabase(dataDir);
  let text = "";
  const child = spawn(process.execPath, ["server.mjs", "-p", String(port), "-H", "127.0.0.1"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      WARDEN_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      // A PostgreSQL database is migrated at boot too: these servers start from nothing.
      WARDEN_MIGRATE_ON_BOOT: "true",
      WARDEN_LOG_LEVEL: "info",
      CROWDSEC_BIN: "/nonexistent/crowdsec",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  };
  return { child, output: () => text, dataDir, databaseUrl: env.DATABASE_URL ?? database.url, cleanup };
}

export async function startServer(env: Record<string, string> = {}): Promise<SpawnedServer> {
  const port = await freePort();
  const { child, output, dataDir, databaseUrl, cleanup } = await launch(env, port);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await cleanup();
  };
  const up = await waitFor(
    async () => {
      if (child.exitCode !== null) return "exited";
      return fetch(`${url}/api/health/live`).then(
        (r) => r.ok && "up",
        () => false,
      );
    },
    15_000,
    "the server to answer",
    100,
  ).catch(() => "silent" as const);
  if (up === "up") {
    return {
      url,
      pid: child.pid!,
      dataDir,
      databaseUrl,
      output,
      rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024,
      stop,
    };
  }
  if (up === "exited") throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
  await stop();
  throw new Error(`server did not answer within 15 s:\n${output()}`);
}

/** Starts a server that is expected to refuse its configuration: its exit code and output. */
export async function startRefused(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, output, cleanup } = await launch(env, await freePort());
  const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  // A server that does not refuse is killed after 15 s (it exits with no code: the test fails on it).
  const code = await withDeadline(exited, 15_000, () => {
    child.kill("SIGKILL");
    return exited;
  });
  await cleanup();
  return { code, output: output() };
}
