import { readdirSync, readlinkSync } from "node:fs";
import path from "node:path";
import { waitFor } from "../test/support/wait";
import { isRunning } from "./crowdsec-agents";

// The edges (nginx + ModSecurity + CRS) the e2e servers start: detached, in their own process group,
// like the CrowdSec agents, so they outlive a killed server. Found through /proc by executable and
// working directory (the panel runs nginx in its instance directory, <data dir>/edge).

/**
 * Edge ports of the e2e servers: 18480–18483 (sites) and 18580–18583 (control listener) with the
 * default E2E_PORT 3100 (first-run, panel, schema, not-installed); they move with E2E_PORT.
 */
export function edgePorts(serverIndex: number): { listenPort: number; controlPort: number } {
  const shift = Number(process.env.E2E_PORT ?? 3100) - 3100;
  return { listenPort: 18480 + shift + serverIndex, controlPort: 18580 + shift + serverIndex };
}

function exeOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

function cwdOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** nginx processes (masters and workers) whose working directory lies under `prefix`. */
export function edgeProcessesUnder(prefix: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => isRunning(pid) && path.basename(exeOf(pid) ?? "") === "nginx" && (cwdOf(pid) ?? "").startsWith(prefix));
}

/** Every edge of this repository's e2e servers (<repo>/data/e2e-*). */
export function e2eEdges(repoRoot: string): number[] {
  return edgeProcessesUnder(path.join(path.resolve(repoRoot), "data", "e2e-"));
}

/** SIGKILL to each process (nothing of an e2e edge needs a graceful end); resolves when they are gone. */
export async function killEdges(pids: number[]): Promise<number[]> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  await waitFor(() => !pids.some(isRunning), 5_000, "the edges to exit", 50).catch(() => undefined);
  return pids.filter(isRunning);
}
