import "server-only";
import { statSync } from "node:fs";
import { fileSize, lines, readFrom, TAIL_LINES } from "../log-tail";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// Reading the agent's logs: crowdsec.log (its own) and agent.out (its stdout and stderr), from an
// offset (what this start wrote) or as a tail (what a card shows after a failure).

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
