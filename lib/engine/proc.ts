import "server-only";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";

// What the kernel says about a pid, read from /proc only: nothing here spawns a process, so status
// polling can call it freely. Linux only (the runtimes are Debian's crowdsec and nginx).

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux architecture Debian ships). */
const CLK_TCK = 100;

export interface ProcStat {
  state: string;
  /** Process group id. */
  pgrp: number;
  /** Start time in clock ticks after boot. */
  starttime: number;
}

export function readStat(pid: number): ProcStat | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses; fields follow the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = rest[0] ?? "";
  const pgrp = Number(rest[2]);
  const starttime = Number(rest[19]);
  return { state, pgrp, starttime };
}

/** True while the pid exists and is not a zombie (an exited child nobody has reaped yet). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== "Z" && stat.state !== "X" && stat.state !== "x";
}

/** The pid's argv, or null when it is gone (or a kernel thread / zombie with an empty command line). */
export function cmdline(pid: number): string[] | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (raw.length === 0) return null;
    const args = raw.split("\0");
    if (args[args.length - 1] === "") args.pop();
    return args;
  } catch {
    return null;
  }
}

let bootTimeMs: number | undefined;
function bootTime(): number | null {
  if (bootTimeMs !== undefined) return bootTimeMs;
  try {
    const line = readFileSync("/proc/stat", "utf8")
      .split("\n")
      .find((l) => l.startsWith("btime "));
    if (!line) return null;
    bootTimeMs = Number(line.slice(6)) * 1000;
    return bootTimeMs;
  } catch {
    return null;
  }
}

/** When the pid started (second-ish precision: btime has one-second resolution). */
export function processStartedAt(pid: number): Date | null {
  const stat = readStat(pid);
  const boot = bootTime();
  if (!stat || boot === null || !Number.isFinite(stat.starttime)) return null;
  return new Date(boot + (stat.starttime * 1000) / CLK_TCK);
}

/** The process listening on a TCP port (IPv4 or IPv6), from /proc/net/tcp{,6} and /proc/<pid>/fd; best effort. */
export function portHolder(port: number): { pid: number; name: string } | null {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A") continue; // 0A = LISTEN
      const localPort = parseInt(cols[1]!.split(":")[1] ?? "", 16);
      if (localPort === port) inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return null;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) {
        const argv = cmdline(Number(pid));
        return { pid: Number(pid), name: argv?.[0] ? path.basename(argv[0]) : "unknown" };
      }
    }
  }
  return null;
}
