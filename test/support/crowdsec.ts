import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isAlive, readStat } from "../../lib/engine/proc";
import { instanceAgentPids } from "../../lib/engine/crowdsec/agent-pids";
import { crowdsecSettingsFrom, type CrowdsecRuntimeSettings } from "../../lib/engine/crowdsec/settings";
import type { SecurityIntent } from "../../lib/security/intent";
import { DEFAULT_SETTINGS } from "../../lib/security/spec/defaults";
import { waitFor } from "./wait";

// Fixtures for tests against a REAL crowdsec agent (lib/engine/crowdsec/*.agent.test.ts): each test
// gets its own instance in a temp directory on free ports, and cleanup kills whatever agent of that
// instance is still alive (its whole process group) before removing the directory.

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A TCP port nothing listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1" }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Holds a port (as "another program" would) until close(). */
export function holdPort(port: number): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1" }, () => resolve({ port, close: () => new Promise<void>((r) => server.close(() => r())) }));
  });
}

// The agent tests import waitFor from here with their fixtures; it lives with the other waits.
export { waitFor };

export interface AgentFixture {
  settings: CrowdsecRuntimeSettings;
  dir: string;
  /** Live crowdsec processes of this instance, counted in /proc. */
  agentPids(): number[];
  /** Kills every agent of this instance (SIGKILL to its group) and removes the directory. */
  cleanup(): Promise<void>;
}

const fixtures = new Set<AgentFixture>();

export async function agentFixture(overrides: Partial<CrowdsecRuntimeSettings> = {}): Promise<AgentFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "warden-crowdsec-"));
  const lapiPort = await freePort();
  let prometheusPort = await freePort();
  while (prometheusPort === lapiPort) prometheusPort = await freePort();
  const settings = crowdsecSettingsFrom({
    instanceDir: dir,
    lapiPort,
    prometheusPort,
    readyTimeoutMs: 15_000,
    stopGraceMs: 6_000,
    probeMs: 100,
    ...overrides,
  });
  const fixture: AgentFixture = {
    settings,
    dir,
    agentPids: () => instanceAgentPids(settings),
    async cleanup() {
      fixtures.delete(fixture);
      await killInstanceAgents(settings);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  fixtures.add(fixture);
  return fixture;
}

/** Cleans every fixture a test forgot (call from afterEach/afterAll). */
export async function cleanupAllFixtures(): Promise<void> {
  for (const f of [...fixtures]) await f.cleanup();
}

export async function killInstanceAgents(settings: CrowdsecRuntimeSettings): Promise<void> {
  const pids = instanceAgentPids(settings);
  for (const pid of pids) {
    const pgrp = readStat(pid)?.pgrp;
    try {
      process.kill(pid, "SIGCONT");
      if (pgrp === pid) process.kill(-pid, "SIGKILL");
      else process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  await waitFor(() => pids.every((p) => !isAlive(p)), 5_000, "agents to die");
}

/** An intent with CrowdSec in the given state (other protections off). */
export function crowdsecIntent(enabled: boolean, version: number, mode: "local" | "external" = "local", lapiUrl: string | null = null): SecurityIntent {
  const off = { enabled: false, version: 1, changedBy: null, changedAt: null };
  return {
    version,
    updatedAt: new Date().toISOString(),
    crowdsec: { enabled, settings: { mode, lapiUrl }, version, changedBy: "test", changedAt: new Date().toISOString() },
    waf: { ...off, settings: DEFAULT_SETTINGS.waf },
    rate_limit: { ...off, settings: DEFAULT_SETTINGS.rate_limit },
  };
}

/** Runs test/support/crowdsec-apply.ts in its own Node process: a second panel applying an intent. */
export function applyInOtherProcess(
  settings: CrowdsecRuntimeSettings,
  enabled: boolean,
  version: number,
): Promise<{ status: string; pid?: number; error?: string; exitCode: number | null }> {
  const script = fileURLToPath(new URL("./crowdsec-apply.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script, JSON.stringify({ settings, enabled, version })], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WARDEN_LOG_LEVEL: "error" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve({ ...(JSON.parse(line) as { status: string; pid?: number; error?: string }), exitCode: code });
      } catch {
        reject(new Error(`apply process exited ${code} without a result: ${err.trim() || out.trim()}`));
      }
    });
  });
}
