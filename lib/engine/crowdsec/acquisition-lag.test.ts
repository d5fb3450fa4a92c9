import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcquisitionLagReader, counterAtAgent, LINES_READ_METRIC, openFilePositions } from "./acquisition-lag";
import { countNewlines, LineCounter } from "./line-counter";
import { byLabel, samples, single } from "./prometheus-text";
import { crowdsecSettingsFrom } from "./settings";

// The acquisition lag's parts without an agent: the metrics text (a page captured from CrowdSec 1.4.6),
// the incremental line count of a log (appends, rotation, truncation), the agent's read position from
// /proc (this test process's own descriptor stands in for the agent's), and the reader against a
// metrics page served from memory. The real agent: lib/engine/edge/crowdsec-acquisition.agent.test.ts.

const FIXTURE = readFileSync(path.join(import.meta.dirname, "__fixtures__", "metrics-1.4.6.txt"), "utf8");
const line = (n: number) => `127.0.0.9 - - [04/Dec/2026:10:00:00 +0000] "GET /nope/${n} HTTP/1.1" 404 1 "-" "x"\n`;
const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => line(from + i)).join("");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "warden-acq-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the agent's metrics text", () => {
  it("reads the lines read per file, the start time, and nothing of metrics that merely share a prefix", () => {
    expect(byLabel(FIXTURE, LINES_READ_METRIC, "source")).toEqual(
      new Map([
        ["/srv/warden/edge/logs/error.log", 3],
        ["/srv/warden/crowdsec/log/access.log", 1],
      ]),
    );
    expect(single(FIXTURE, "process_start_time_seconds")).toBe(1796411553.7);
    expect(samples(FIXTURE, "cs_parser_hits_total").map((s) => s.labels)).toEqual([
      { source: "/srv/warden/edge/logs/error.log", type: "file" },
      { source: "/srv/warden/crowdsec/log/access.log", type: "file" },
    ]);
    // cs_parser_hits_ok_total starts with cs_parser_hits_ but is another metric.
    expect(samples(FIXTURE, "cs_parser_hits").length).toBe(0);
    expect(samples(FIXTURE, "no_such_metric")).toEqual([]);
  });

  it("handles escaped label values, special values, timestamps, and garbage lines", () => {
    const text = [
      "# HELP x_total a counter",
      'x_total{source="/a \\"quoted\\" b",type="file"} 12 1700000000000',
      'x_total{source="/c"} +Inf',
      "x_total{source=broken} 3",
      'x_total{source="/d"} notanumber',
      "x_total_created 5",
      "y 1e3",
    ].join("\n");
    expect(byLabel(text, "x_total", "source")).toEqual(
      new Map([
        ['/a "quoted" b', 12],
        ["/c", Infinity],
      ]),
    );
    expect(single(text, "y")).toBe(1000);
    expect(single(text, "x_total")).toBeNull();
  });
});

describe("counting a log's lines", () => {
  it("counts newlines across read chunks, from an offset, up to a limit", () => {
    const file = path.join(dir, "big.log");
    // ~2.7 MB: more than two of the counter's 1 MB chunks.
    writeFileSync(file, lines(0, 30_000));
    expect(countNewlines(file)).toBe(30_000);
    const one = Buffer.byteLength(line(0));
    expect(countNewlines(file, one * 10)).toBe(29_990);
    expect(countNewlines(file, 0, one * 3 + 5)).toBe(3);
    expect(countNewlines(path.join(dir, "missing.log"))).toBe(0);
  });

  it("counts only what is appended since the last look, and goes on across a rotation and a truncation", () => {
    const file = path.join(dir, "rotating.log");
    writeFileSync(file, lines(0, 5));
    const counter = new LineCounter(file); // from the end now: the 5 lines before are not counted
    expect(counter.count()).toEqual({ lines: 0, restarted: false });
    appendFileSync(file, lines(5, 3));
    expect(counter.count()).toEqual({ lines: 3, restarted: false });
    appendFileSync(file, "partial line without its newline");
    expect(counter.count().lines).toBe(3);
    appendFileSync(file, "\n");
    expect(counter.count().lines).toBe(4);

    // Rotated by rename (as before nginx's USR1): the new file is counted from its start.
    renameSync(file, `${file}.1`);
    expect(counter.count()).toEqual({ lines: 4, restarted: false }); // nothing at the path yet
    writeFileSync(file, lines(100, 2));
    expect(counter.count()).toEqual({ lines: 6, restarted: true });

    // Truncated in place (copy + truncate): counted from its start again.
    appendFileSync(file, lines(102, 3));
    expect(counter.count().lines).toBe(9);
    truncateSync(file, 0);
    appendFileSync(file, lines(200, 1));
    expect(counter.count()).toEqual({ lines: 10, restarted: true });
  });

  it("starts from an offset and a count when told (the agent's position)", () => {
    const file = path.join(dir, "offset.log");
    writeFileSync(file, lines(0, 10));
    expect(new LineCounter(file, { offset: 0 }).count().lines).toBe(10);
    expect(new LineCounter(file, { offset: Buffer.byteLength(lines(0, 4)), lines: 4 }).count().lines).toBe(10);
    // A file that appears after the counter began: all of it is new.
    const later = path.join(dir, "later.log");
    const counter = new LineCounter(later);
    writeFileSync(later, lines(0, 2));
    expect(counter.count()).toEqual({ lines: 2, restarted: false });
  });
});

describe("the agent's read position (a descriptor of this process stands in for the agent's)", () => {
  it("is read from /proc/<pid>/fdinfo, and a counter starts there: what lies after it is owed", () => {
    const file = path.join(dir, "held.log");
    writeFileSync(file, lines(0, 5));
    const fd = openSync(file, "r");
    try {
      const consumed = Buffer.byteLength(lines(0, 2));
      readSync(fd, Buffer.alloc(consumed), 0, consumed, null); // advances the descriptor's position
      const held = openFilePositions(process.pid, [file, path.join(dir, "not-open.log")]);
      expect(held?.get(file)?.pos).toBe(consumed);
      expect(held?.has(path.join(dir, "not-open.log"))).toBe(false);
      // The agent has read 2 lines: 3 are owed.
      expect(counterAtAgent(file, 2, held!.get(file)).count().lines).toBe(5);

      // Rotated while the agent still holds the old file: the rest of the old one plus all of the new one.
      renameSync(file, `${file}.1`);
      writeFileSync(file, lines(10, 4));
      const stillHeld = openFilePositions(process.pid, [`${file}.1`])!.get(`${file}.1`)!;
      expect(counterAtAgent(file, 2, stillHeld).count().lines).toBe(2 + 3 + 4);
    } finally {
      closeSync(fd);
    }
    expect(openFilePositions(2 ** 22 + 1, [file])).toBeNull();
  });
});

describe("AcquisitionLagReader", () => {
  let server: http.Server;
  let metrics = "";
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end(metrics));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const page = (start: number, read: Record<string, number>) =>
    [
      "# TYPE cs_filesource_hits_total counter",
      ...Object.entries(read).map(([f, n]) => `cs_filesource_hits_total{source="${f}"} ${n}`),
      `process_start_time_seconds ${start}`,
      "",
    ].join("\n");

  it("reports lines written and read per edge log since the agent started, the total behind and the rate", async () => {
    const logs = path.join(dir, "edge", "logs");
    mkdirSync(logs, { recursive: true });
    const access = path.join(logs, "crowdsec-access.log");
    const error = path.join(logs, "error.log");
    writeFileSync(access, lines(0, 50)); // before the agent: never read, never owed
    writeFileSync(error, "");
    const s = crowdsecSettingsFrom({ instanceDir: path.join(dir, "cs"), prometheusPort: port, edgeLogDir: logs });
    const reader = new AcquisitionLagReader(s);
    expect(reader.files()).toEqual([access, error]);

    metrics = page(1000, {});
    const first = await reader.read();
    expect(first).toMatchObject({ ok: true, behindLines: 0, ratePerSecond: null });
    if (!first.ok) throw new Error(first.reason);
    // No pid file: where the agent is cannot be read from /proc, so nothing is owed yet.
    expect(first.files).toEqual([
      { path: access, linesWritten: 0, linesRead: 0, behind: 0, tailed: null },
      { path: error, linesWritten: 0, linesRead: 0, behind: 0, tailed: null },
    ]);

    appendFileSync(access, lines(50, 12));
    appendFileSync(error, lines(0, 2));
    metrics = page(1000, { [access]: 4 });
    const behind = await reader.read();
    expect(behind).toMatchObject({ ok: true, behindLines: 8 + 2 });
    if (!behind.ok) throw new Error(behind.reason);
    expect(behind.files.map((f) => [f.linesWritten, f.linesRead, f.behind])).toEqual([
      [12, 4, 8],
      [2, 0, 2],
    ]);
    expect(behind.ratePerSecond).toBeGreaterThan(0);

    metrics = page(1000, { [access]: 12, [error]: 2 });
    expect(await reader.read()).toMatchObject({ ok: true, behindLines: 0 });

    // The agent restarted: its counters start again at 0, and so does what it owes.
    appendFileSync(access, lines(62, 3));
    metrics = page(2000, {});
    const restarted = await reader.read();
    expect(restarted).toMatchObject({ ok: true, behindLines: 0, ratePerSecond: null });
    appendFileSync(access, lines(65, 1));
    metrics = page(2000, { [access]: 1 });
    expect(await reader.read()).toMatchObject({ ok: true, behindLines: 0, files: [{ linesWritten: 1, linesRead: 1 }, { linesWritten: 0 }] });
  });

  it("says why when it cannot tell: no edge, or no metrics", async () => {
    const noEdge = new AcquisitionLagReader(crowdsecSettingsFrom({ instanceDir: path.join(dir, "cs2"), prometheusPort: port }));
    expect(await noEdge.read()).toMatchObject({ ok: false, reason: "CrowdSec reads no edge log: no edge is configured." });

    const closed = await new Promise<number>((resolve) => {
      const probe = http.createServer();
      probe.listen(0, "127.0.0.1", () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const down = new AcquisitionLagReader(crowdsecSettingsFrom({ instanceDir: path.join(dir, "cs3"), prometheusPort: closed, edgeLogDir: dir }));
    const r = await down.read();
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(new RegExp(`metrics on 127\\.0\\.0\\.1:${closed} do not answer .*ECONNREFUSED`)) });
    expect(Date.parse(r.observedAt)).toBeGreaterThan(0);
  });
});
