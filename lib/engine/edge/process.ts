import "server-only";
import { readdirSync, readFileSync, readlinkSync, realpathSync, unlinkSync } from "node:fs";
import path from "node:path";
import { isAlive, processStartedAt, readStat } from "../proc";
import { writeFileAtomic } from "../atomic-write";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";

// What /proc says about the edge's nginx processes; nothing here spawns. The master runs with
// `daemon off` in its own process group (the spawned pid is the master and the group id), with the
// instance directory as its working directory, which its workers inherit.
//
// Identity of a master: /proc/<pid>/exe is the nginx binary, and its title (nginx rewrites its
// command line into one space-joined string: "nginx: master process /usr/sbin/nginx -p <dir>/ -c
// <dir>/nginx.conf -g daemon off;") names this instance's nginx.conf. Workers' titles name no
// config: a worker belongs to the instance when it runs the binary from the instance directory.

export type PidFileState = "absent" | "alive" | "stale_dead" | "stale_stranger";

function realBin(s: EdgeRuntimeSettings): string {
  try {
    return realpathSync(s.bin);
  } catch {
    return s.bin;
  }
}

/** The binary a pid runs, or null when /proc does not say (gone, or another user's process). */
function exeOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
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

/** The command line as one string (NULs as spaces: before and after nginx rewrites its title). */
export function titleOf(pid: number): string | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw.length === 0 ? null : raw.replace(/\0+$/, "").replace(/\0/g, " ");
  } catch {
    return null;
  }
}

function runsNginx(pid: number, s: EdgeRuntimeSettings, title: string): boolean {
  const exe = exeOf(pid);
  if (exe !== null) return exe === realBin(s) || exe === s.bin;
  // Unreadable exe (another user's process): the title names the binary it was started as.
  return title.startsWith(`nginx: `) || title.startsWith(`${s.bin} `);
}

/** Alive, runs nginx, and is the master of this instance (its title names this nginx.conf). */
export function isEdgeMaster(pid: number, s: EdgeRuntimeSettings): boolean {
  if (!isAlive(pid)) return false;
  const title = titleOf(pid);
  if (title === null || !runsNginx(pid, s, title)) return false;
  const config = edgePaths(s).config;
  if (title.startsWith("nginx: worker") || / -[tT]( |$)/.test(title)) return false; // a worker, or a config test
  return new RegExp(`(^| )-c ${escapeRegExp(config)}( |$)`).test(title);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function allPids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
}

/** Masters of this instance found in /proc (there must never be two). */
export function edgeMasterPids(s: EdgeRuntimeSettings): number[] {
  return allPids().filter((pid) => isEdgeMaster(pid, s));
}

/**
 * nginx processes of this instance that no master of it leads: workers left behind by a master
 * killed with SIGKILL (they keep the listening sockets open), found by binary and working directory.
 */
export function orphanedEdgeProcesses(s: EdgeRuntimeSettings): number[] {
  const masters = new Set(edgeMasterPids(s));
  const dir = path.resolve(s.instanceDir);
  return allPids().filter((pid) => {
    if (masters.has(pid) || !isAlive(pid)) return false;
    const title = titleOf(pid);
    if (title === null || !runsNginx(pid, s, title) || cwdOf(pid) !== dir) return false;
    const pgrp = readStat(pid)?.pgrp;
    return pgrp === undefined || !masters.has(pgrp);
  });
}

/** The master's workers that still accept connections (an old worker stops when it is "shutting down"). */
export function acceptingWorkers(master: number): number[] {
  return allPids().filter((pid) => {
    const stat = readFileSafe(`/proc/${pid}/stat`);
    if (stat === null) return false;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return ppid === master && isAlive(pid) && titleOf(pid) === "nginx: worker process";
  });
}

function readFileSafe(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** All live processes of this instance (master and workers), for tests and the stop check. */
export function edgeProcessPids(s: EdgeRuntimeSettings): number[] {
  const dir = path.resolve(s.instanceDir);
  return allPids().filter((pid) => {
    if (!isAlive(pid)) return false;
    const title = titleOf(pid);
    return title !== null && runsNginx(pid, s, title) && cwdOf(pid) === dir;
  });
}

// ---------------------------------------------------------------------------------------------
// Pid file (written by Warden right after the spawn; nginx writes the same pid and removes the
// file when it exits cleanly)

export function readPidFile(s: EdgeRuntimeSettings): number | null {
  try {
    const pid = Number(readFileSync(edgePaths(s).pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function writePidFile(s: EdgeRuntimeSettings, pid: number): void {
  writeFileAtomic(edgePaths(s).pidFile, `${pid}\n`);
}

/** Removes the pid file if it still names `pid` (any content when pid is null). */
export function removePidFile(s: EdgeRuntimeSettings, pid: number | null = null): void {
  if (pid !== null && readPidFile(s) !== pid) return;
  try {
    unlinkSync(edgePaths(s).pidFile);
  } catch {
    /* absent */
  }
}

export function pidFileStatus(s: EdgeRuntimeSettings): { state: PidFileState; pid: number | null } {
  const pid = readPidFile(s);
  if (pid === null) {
    let exists = false;
    try {
      exists = readFileSync(edgePaths(s).pidFile, "utf8").trim() !== "";
    } catch {
      /* absent */
    }
    return { state: exists ? "stale_dead" : "absent", pid: null };
  }
  if (!isAlive(pid)) return { state: "stale_dead", pid };
  if (!isEdgeMaster(pid, s)) return { state: "stale_stranger", pid };
  return { state: "alive", pid };
}

/** This instance's master: the pid file's, or (scan) one found in /proc whose pid file was lost. */
export function findMaster(
  s: EdgeRuntimeSettings,
  options: { scan?: boolean } = {},
): { pid: number; startedAt: Date | null; source: "pid_file" | "scan" } | null {
  const { state, pid } = pidFileStatus(s);
  if (state === "alive" && pid !== null) return { pid, startedAt: processStartedAt(pid), source: "pid_file" };
  if (options.scan) {
    const found = edgeMasterPids(s);
    if (found.length > 0) return { pid: found[0]!, startedAt: processStartedAt(found[0]!), source: "scan" };
  }
  return null;
}

/** SIGKILL to a group the master leads (never the panel's own group), else to the pid alone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  const pgrp = readStat(pid)?.pgrp;
  const own = readStat(process.pid)?.pgrp;
  try {
    if (pgrp === pid && pgrp !== own) process.kill(-pgrp, signal);
    else process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

/** Signals one pid; false when it is gone. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export async function waitGone(pids: number[], timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}
