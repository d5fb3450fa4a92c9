import "server-only";
import { readFileSync, unlinkSync } from "node:fs";
import { writeFileAtomic } from "../atomic-write";
import { fileSize } from "../log-tail";
import { isAlive, processStartedAt } from "../proc";
import { instanceAgentPids, isInstanceAgent } from "./agent-pids";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// The agent runs detached in its own process group with its pid in <instanceDir>/crowdsec.pid, so it
// outlives the panel; whoever finds it later adopts it only if the pid is alive and its command line
// is this instance's crowdsec (proc.ts).

export type PidFileState = "absent" | "alive" | "stale_dead" | "stale_stranger";

export function readPidFile(s: CrowdsecRuntimeSettings): number | null {
  try {
    const pid = Number(readFileSync(instancePaths(s).pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** What the pid file says: absent, a live agent of this instance, or stale (dead pid / another program). */
export function pidFileState(s: CrowdsecRuntimeSettings): PidFileState {
  return pidFileStatus(s).state;
}

/** pidFileState with the pid it names (callers log it when they clean a stale file). */
export function pidFileStatus(s: CrowdsecRuntimeSettings): { state: PidFileState; pid: number | null } {
  const pid = readPidFile(s);
  if (pid === null) {
    // A pid file that exists but holds garbage is as stale as one naming a dead pid.
    return fileSize(instancePaths(s).pidFile) > 0 ? { state: "stale_dead", pid: null } : { state: "absent", pid: null };
  }
  if (!isAlive(pid)) return { state: "stale_dead", pid };
  if (!isInstanceAgent(pid, s)) return { state: "stale_stranger", pid };
  return { state: "alive", pid };
}

/** Removes the pid file if it still names `pid` (or any stale content when pid is null). */
export function removePidFile(s: CrowdsecRuntimeSettings, pid: number | null = null): void {
  const file = instancePaths(s).pidFile;
  if (pid !== null && readPidFile(s) !== pid && fileSize(file) > 0) return;
  try {
    unlinkSync(file);
  } catch {
    /* absent */
  }
}

export function writePidFile(s: CrowdsecRuntimeSettings, pid: number): void {
  writeFileAtomic(instancePaths(s).pidFile, `${pid}\n`);
}

/**
 * This instance's live agent: the pid file's, if it is this instance's crowdsec. With scan, an agent
 * whose pid file was lost is found in /proc too (apply uses it so a lost pid file never means two agents).
 */
export function findRunningAgent(
  s: CrowdsecRuntimeSettings,
  options: { scan?: boolean } = {},
): { pid: number; startedAt: Date | null; source: "pid_file" | "scan" } | null {
  const { state, pid } = pidFileStatus(s);
  if (state === "alive" && pid !== null) return { pid, startedAt: processStartedAt(pid), source: "pid_file" };
  if (options.scan) {
    const found = instanceAgentPids(s);
    if (found.length > 0) return { pid: found[0]!, startedAt: processStartedAt(found[0]!), source: "scan" };
  }
  return null;
}
