import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { waitFor } from "../test/support/wait";

// CrowdSec agents started by the e2e servers, seen from the test process through /proc only.
// The panel starts its agent detached (own process group, pid file), so killing a server does not
// kill its agent: the global teardown (e2e/global-teardown.ts) and scripts/e2e-server.mjs stop
// them, and the CrowdSec specs check the real process behind the card's pid.

/**
 * CrowdSec ports of the e2e servers: 18379–18382 (LAPI) and 16379–16382 (Prometheus) with the
 * default E2E_PORT 3100 (first-run, panel, schema, not-installed). They move with E2E_PORT, so two
 * runs on different E2E_PORTs do not fight over an agent port.
 */
export function crowdsecPorts(serverIndex: number): { lapiPort: number; prometheusPort: number } {
  const shift = Number(process.env.E2E_PORT ?? 3100) - 3100;
  return { lapiPort: 18379 + shift + serverIndex, prometheusPort: 16379 + shift + serverIndex };
}

/** The "panel" server's managed instance (playwright.config.ts passes these to that server). */
export const PANEL_CROWDSEC = {
  /** Relative to the repository root (the servers' working directory). */
  instanceDir: "data/e2e-panel/crowdsec",
  ...crowdsecPorts(1),
} as const;

export interface AgentProcess {
  pid: number;
  /** The absolute path of its `-c` config file. */
  config: string;
}

/** The one-letter state of /proc/<pid>/stat ("R", "S", "Z", …), or null when the pid is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

/** The pid exists and is not a zombie (an exited child its parent has not reaped yet). */
export function isRunning(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== "Z" && state !== "X";
}

function argvOf(pid: number): string[] | null {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (args.at(-1) === "") args.pop();
    return args.length ? args : null;
  } catch {
    return null;
  }
}

/** The absolute `-c` path when the pid is a `crowdsec` binary run with one; otherwise null. */
export function agentConfig(pid: number): string | null {
  const argv = argvOf(pid);
  if (!argv || path.basename(argv[0]!) !== "crowdsec") return null;
  let config: string | null = null;
  for (let i = 1; i < argv.length && config === null; i++) {
    const arg = argv[i]!;
    if (arg === "-c" || arg === "--c") config = argv[i + 1] ?? null;
    else if (/^--?c=/.test(arg)) config = arg.slice(arg.indexOf("=") + 1);
  }
  if (!config) return null;
  if (path.isAbsolute(config)) return path.normalize(config);
  try {
    return path.resolve(readlinkSync(`/proc/${pid}/cwd`), config);
  } catch {
    return null;
  }
}

/** Every running `crowdsec -c …` process on the machine. */
export function crowdsecAgents(): AgentProcess[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const agents: AgentProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (!isRunning(pid)) continue;
    const config = agentConfig(pid);
    if (config) agents.push({ pid, config });
  }
  return agents;
}

/** Agents whose config file lies under `dir`. */
export function agentsUnder(dir: string): AgentProcess[] {
  const prefix = path.resolve(dir) + path.sep;
  return crowdsecAgents().filter((a) => a.config.startsWith(prefix));
}

/** Agents of any e2e server of this repository: `crowdsec -c <repo>/data/e2e-<server>/…/config.yaml`. */
export function e2eAgents(repoRoot: string): AgentProcess[] {
  const prefix = path.join(path.resolve(repoRoot), "data", "e2e-");
  return crowdsecAgents().filter((a) => a.config.startsWith(prefix) && a.config.endsWith(`${path.sep}config.yaml`));
}

/** The pids still running after they all exited or `ms` passed. */
async function waitGone(pids: number[], ms: number): Promise<number[]> {
  await waitFor(() => !pids.some(isRunning), ms, "the agents to exit", 100).catch(() => undefined);
  return pids.filter(isRunning);
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
};

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`. Returns the pids that needed the SIGKILL. */
export async function stopAgents(agents: AgentProcess[], graceMs = 8_000): Promise<number[]> {
  const pids = agents.map((a) => a.pid);
  for (const pid of pids) signal(pid, "SIGTERM");
  const stubborn = await waitGone(pids, graceMs);
  for (const pid of stubborn) signal(pid, "SIGKILL");
  await waitGone(stubborn, 2_000);
  return stubborn;
}
