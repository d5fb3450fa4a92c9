import "server-only";
import { readdirSync } from "node:fs";
import path from "node:path";
import { cmdline, isAlive } from "../proc";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// Which processes are this instance's CrowdSec agent, from /proc only (lib/engine/proc.ts reads it).

/** The value of the agent's `-c` flag (Go's flag package accepts -c X, --c X, -c=X, --c=X). */
export function configArg(argv: readonly string[]): string | null {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-c" || a === "--c") return argv[i + 1] ?? null;
    if (a.startsWith("-c=")) return a.slice(3);
    if (a.startsWith("--c=")) return a.slice(4);
  }
  return null;
}

/** Alive, runs a binary named `crowdsec`, and its `-c` is this instance's config.yaml. */
export function isInstanceAgent(pid: number, s: CrowdsecRuntimeSettings): boolean {
  if (!isAlive(pid)) return false;
  const argv = cmdline(pid);
  if (!argv || argv.length === 0) return false;
  if (path.basename(argv[0]!) !== "crowdsec") return false;
  const config = configArg(argv);
  if (!config) return false;
  return path.resolve(config) === instancePaths(s).config;
}

/** Pids whose command line is this instance's agent (tests count them: there must never be two). */
export function instanceAgentPids(s: CrowdsecRuntimeSettings): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => isInstanceAgent(pid, s));
}
