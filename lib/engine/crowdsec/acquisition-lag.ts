import "server-only";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import http from "node:http";
import { countNewlines, fileIdentity, LineCounter } from "./line-counter";
import { findRunningAgent } from "./pid-file";
import { byLabel, single } from "./prometheus-text";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// How far the managed agent is behind the edge's logs (the CrowdSec card shows it): the agent parses
// only ~0.5–1k lines/s on these cores, so a burst of traffic is detected late, and this says how late.
//
// Lines read: the agent's own counter per file, `cs_filesource_hits_total{source="<file>"}` from its
// Prometheus metrics (127.0.0.1:<prometheusPort>/metrics). Lines written: newlines counted in each
// file, incrementally (line-counter.ts), so a poll costs only what was appended since the last one.
// Both count from the agent's start: CrowdSec 1.4.6 tails a file from its end, so lines written before
// the agent started are never read and never owed. When the reader first sees an agent (or a restarted
// one), it takes the agent's read position in each file from /proc/<pid>/fdinfo (what the agent has
// consumed, give or take its 4 KB read buffer) and counts what lies after it: an agent found deep in a
// backlog is reported behind by that backlog, not caught up.

/** Lines the agent has read, per acquired file. */
export const LINES_READ_METRIC = "cs_filesource_hits_total";
/** Changes when the agent restarts (its counters start again at 0). */
const START_METRIC = "process_start_time_seconds";

export interface AcquiredFileLag {
  path: string;
  /** Lines written to the file since the agent began reading it. */
  linesWritten: number;
  /** Lines the agent has read from it (its own counter). */
  linesRead: number;
  behind: number;
  /**
   * The agent holds the file open. False: it does not read it (the file was missing when the agent
   * started; a restart picks it up). Null: unknown (no pid file, or /proc not readable).
   */
  tailed: boolean | null;
}

export type AcquisitionLag =
  | { ok: true; files: AcquiredFileLag[]; behindLines: number; ratePerSecond: number | null; observedAt: string }
  | { ok: false; reason: string; observedAt: string };

/** The agent's metrics page as text, or why it could not be read. Never throws. */
export function fetchMetrics(port: number, timeoutMs = 2_000): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  const where = `127.0.0.1:${port}`;
  return new Promise((resolve) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: "/metrics", agent: false, timeout: timeoutMs, headers: { "user-agent": "warden-acquisition-lag" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve(res.statusCode === 200 ? { ok: true, text } : { ok: false, reason: `CrowdSec's metrics on ${where} answered HTTP ${res.statusCode}.` }),
        );
        res.on("error", (e) => resolve({ ok: false, reason: `CrowdSec's metrics on ${where} could not be read: ${e.message}.` }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => resolve({ ok: false, reason: `CrowdSec's metrics on ${where} do not answer (${e.message}): is the agent running?` }));
  });
}

/**
 * Where the process is in each of `files` it holds open: the file position of its descriptor
 * (/proc/<pid>/fdinfo) and a path that reaches that very file even once renamed or deleted. Null when
 * /proc cannot be read for that pid.
 */
export function openFilePositions(pid: number, files: readonly string[]): Map<string, { pos: number; fdPath: string }> | null {
  const wanted = new Set(files);
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  const out = new Map<string, { pos: number; fdPath: string }>();
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/ \(deleted\)$/, "");
      if (!wanted.has(target)) continue;
      const pos = /^pos:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      if (pos) out.set(target, { pos: Number(pos[1]), fdPath: `/proc/${pid}/fd/${fd}` });
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/**
 * A counter for `file` that starts where the agent is: at its read position when it holds the very file
 * at that path (lines = what it has read), or, when it still holds an older file that was rotated away,
 * at the start of the new one plus what it has left of the old. An agent that holds nothing: from the
 * file's end now (nothing is owed yet).
 */
export function counterAtAgent(file: string, read: number, held: { pos: number; fdPath: string } | undefined): LineCounter {
  if (!held) return new LineCounter(file, { lines: read });
  const heldId = fileIdentity(held.fdPath);
  const pathId = fileIdentity(file);
  if (heldId && pathId && heldId.dev === pathId.dev && heldId.ino === pathId.ino) return new LineCounter(file, { offset: held.pos, lines: read });
  return new LineCounter(file, { offset: 0, lines: read + countNewlines(held.fdPath, held.pos) });
}

/** Reads the lag of one instance; keeps its counts between reads (create one and keep it). */
export class AcquisitionLagReader {
  private agentStart: number | null = null;
  private counters = new Map<string, LineCounter>();
  private lastRead = new Map<string, number>();
  private last: { at: number; read: number } | null = null;

  constructor(
    private readonly s: CrowdsecRuntimeSettings,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  /** The edge logs the agent acquires. */
  files(): string[] {
    return instancePaths(this.s).edgeLogs;
  }

  async read(): Promise<AcquisitionLag> {
    const files = this.files();
    const observedAt = () => new Date().toISOString();
    if (files.length === 0) return { ok: false, reason: "CrowdSec reads no edge log: no edge is configured.", observedAt: observedAt() };
    const metrics = await fetchMetrics(this.s.prometheusPort, this.options.timeoutMs);
    if (!metrics.ok) return { ok: false, reason: metrics.reason, observedAt: observedAt() };
    const started = single(metrics.text, START_METRIC);
    const readBy = byLabel(metrics.text, LINES_READ_METRIC, "source");
    const agent = findRunningAgent(this.s);
    const open = agent ? openFilePositions(agent.pid, files) : null;

    // Another agent (restarted: its counters start again), or the first look: start where it is.
    const restarted = started !== this.agentStart || files.some((f) => (readBy.get(f) ?? 0) < (this.lastRead.get(f) ?? 0));
    if (restarted || this.counters.size !== files.length || files.some((f) => !this.counters.has(f))) {
      this.counters = new Map(files.map((f) => [f, counterAtAgent(f, readBy.get(f) ?? 0, open?.get(f))]));
      this.agentStart = started;
      this.last = null;
    }

    const now = Date.now();
    const result: AcquiredFileLag[] = files.map((path) => {
      const linesRead = readBy.get(path) ?? 0;
      const linesWritten = Math.max(this.counters.get(path)!.count().lines, linesRead);
      this.lastRead.set(path, linesRead);
      return { path, linesWritten, linesRead, behind: linesWritten - linesRead, tailed: open ? open.has(path) : null };
    });
    const totalRead = result.reduce((sum, f) => sum + f.linesRead, 0);
    const ratePerSecond = this.last && now > this.last.at ? Math.round(((totalRead - this.last.read) * 10_000) / (now - this.last.at)) / 10 : null;
    this.last = { at: now, read: totalRead };
    return { ok: true, files: result, behindLines: result.reduce((sum, f) => sum + f.behind, 0), ratePerSecond, observedAt: new Date(now).toISOString() };
  }
}

const readers = new Map<string, AcquisitionLagReader>();

/** The lag of an instance, from a reader kept per instance (the panel's card polls this). */
export function acquisitionLag(s: CrowdsecRuntimeSettings): Promise<AcquisitionLag> {
  const key = JSON.stringify([s.instanceDir, s.prometheusPort, s.edgeLogDir]);
  let reader = readers.get(key);
  if (!reader) readers.set(key, (reader = new AcquisitionLagReader(s)));
  return reader.read();
}
