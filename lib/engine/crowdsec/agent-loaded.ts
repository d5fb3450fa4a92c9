import "server-only";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../atomic-write";
import { readFrom } from "../log-tail";
import { processStartedAt, readStat } from "../proc";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// "Loaded" (measured on Debian's 1.4.6, ADR 006): LAPI /health answers
// ~0.15 s after spawn, but SIGTERM is only handled once the agent has called signal.Notify, which it
// does right after logging `Failed to notify(sent: false)` (its sd_notify without a NOTIFY_SOCKET)
// at the end of Serve(), ~1.2–1.4 s after spawn. Before that SIGTERM kills it raw (exit 143). The
// Prometheus port is NOT a reliable signal: it was seen listening while SIGTERM still killed raw.
// So loaded = that log line seen in this start's part of crowdsec.log, plus a 50 ms settle.

export const LOADED_MARK = 'msg="Failed to notify(sent:';
const START_MARK = 'msg="Crowdsec v';
export const LOADED_SETTLE_MS = 50;

/** True once the latest start recorded in crowdsec.log has installed its signal handlers. */
export function agentLoadedFromLog(s: CrowdsecRuntimeSettings): boolean {
  const file = instancePaths(s).agentLog;
  const text = readFrom(file, 0, 512 * 1024);
  const start = text.lastIndexOf(START_MARK);
  if (start < 0) return false;
  return text.indexOf(LOADED_MARK, start) >= 0;
}

function loadedRecordFile(s: CrowdsecRuntimeSettings): string {
  return `${instancePaths(s).dir}/crowdsec.loaded`;
}

/** Records that `pid`, started by this process, has installed its signal handlers. */
export function recordLoaded(s: CrowdsecRuntimeSettings, pid: number): void {
  writeFileAtomic(loadedRecordFile(s), JSON.stringify({ pid, start: readStat(pid)?.starttime ?? null }));
}

/**
 * Whether `pid` (this instance's agent) has installed its signal handlers. startAgent records it for
 * the pid it started; for an agent whose starter is gone, the log says so, but only once the process
 * is old enough to have written its own start line (else the previous run's lines would answer).
 */
export function agentLoaded(s: CrowdsecRuntimeSettings, pid: number): boolean {
  try {
    const rec = JSON.parse(readFileSync(loadedRecordFile(s), "utf8")) as { pid: number; start: number | null };
    if (rec.pid === pid && rec.start === (readStat(pid)?.starttime ?? null)) return true;
  } catch {
    /* no record */
  }
  const startedAt = processStartedAt(pid);
  if (!startedAt || Date.now() - startedAt.getTime() < 1_500) return false;
  return agentLoadedFromLog(s);
}
