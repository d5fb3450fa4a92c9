import "server-only";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// Reading the agent's logs: crowdsec.log (its own) and agent.out (its stdout and stderr), from an
// offset (what this start wrote) or as a tail (what a card shows after a failure).

export const TAIL_LINES = 12;

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Text of a file from `offset` (from 0 if the file shrank: rotated), at most the last maxBytes. */
export function readFrom(file: string, offset: number, maxBytes = 256 * 1024): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = statSync(file).size;
    let start = offset > size ? 0 : offset;
    if (size - start > maxBytes) start = size - maxBytes;
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Non-empty lines, each capped, without consecutive repeats (the agent prints a fatal line twice). */
export function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
    .filter((l, i, all) => l.trim() !== "" && l !== all[i - 1]);
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The last n lines of the agent's logs (crowdsec.log and agent.out, older file first). */
export function readLogTail(s: CrowdsecRuntimeSettings, n = TAIL_LINES): string[] {
  const p = instancePaths(s);
  const files = [p.agentLog, p.agentOut].sort((a, b) => mtime(a) - mtime(b));
  const all = files.flatMap((f) => lines(readFrom(f, Math.max(0, fileSize(f) - 64 * 1024))).slice(-n));
  return all.slice(-n);
}

/** The message of the last fatal line (or a plain stderr line) among `text`'s lines; null if none. */
export function failureReason(text: string): string | null {
  const all = lines(text);
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i]!;
    if (/level=(fatal|panic)/.test(line)) {
      const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
      return (m ? m[1]!.replace(/\\"/g, '"') : line).trim();
    }
  }
  // Errors printed before the logger is configured (e.g. a config file that does not parse).
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i]!.trim();
    if (line.startsWith("---")) continue; // our own header lines
    if (/level=(info|warning|debug|trace)/.test(line)) continue;
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    const text = (m ? m[1]!.replace(/\\"/g, '"') : line.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, "")).trim();
    if (/unable to register plugin 'GeoIp|IpToRange|Failed to notify/.test(text)) continue;
    return text;
  }
  return null;
}
