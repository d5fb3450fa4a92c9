import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import * as fs from "node:fs";
import { MAX_PATH_LENGTH, parseAuditLine, rotateAuditLog, WafEventReader } from "./waf-events";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, readSync: vi.fn(actual.readSync) };
});

// The WAF events reader against audit log lines of the shape ModSecurity v3.0.9 writes (JSON,
// Serial): incremental reads by byte offset, partial lines, rotation by copy + truncate, a bound.

const dir = mkdtempSync(path.join(tmpdir(), "warden-waf-events-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function entry(extra: { engine?: string; ids?: number[]; code?: number; uri?: string; host?: string } = {}): string {
  const ids = extra.ids ?? [941110, 941160, 949110];
  return `${JSON.stringify({
    transaction: {
      client_ip: "203.0.113.7",
      time_stamp: "Fri Dec  4 13:40:56 2026",
      server_id: "x",
      client_port: 51510,
      host_ip: "127.0.0.1",
      host_port: 8080,
      unique_id: `id${++n}`,
      request: {
        method: "GET",
        http_version: 1.1,
        uri: extra.uri ?? "/?q=<script>alert(1)</script>",
        headers: { Host: extra.host ?? "Shop.Example:8080", Cookie: "s=1" },
      },
      response: { http_code: extra.code ?? 403, headers: {} },
      producer: { modsecurity: "ModSecurity v3.0.9 (Linux)", secrules_engine: extra.engine ?? "Enabled", components: ["OWASP_CRS/3.3.4"] },
      messages: ids.map((id) => ({ message: `rule ${id}`, details: { ruleId: String(id), match: "…" } })),
    },
  })}\n`;
}

describe("parseAuditLine", () => {
  it("an entry becomes an event: time, request id, client, host, method, path, rule ids and messages, action", () => {
    const e = parseAuditLine(entry());
    expect(e).toEqual({
      time: new Date(2026, 11, 4, 13, 40, 56).toISOString(),
      requestId: `id${n}`,
      client: "203.0.113.7",
      host: "shop.example",
      method: "GET",
      path: "/?q=<script>alert(1)</script>",
      status: 403,
      ruleIds: [941110, 941160, 949110],
      messages: [
        { ruleId: 941110, message: "rule 941110" },
        { ruleId: 941160, message: "rule 941160" },
        { ruleId: 949110, message: "rule 949110" },
      ],
      action: "blocked",
    });
  });

  it("detected: DetectionOnly, or matches below the threshold (no blocking rule)", () => {
    expect(parseAuditLine(entry({ engine: "DetectionOnly", code: 200 }))?.action).toBe("detected");
    expect(parseAuditLine(entry({ ids: [920350], code: 200 }))?.action).toBe("detected");
  });

  it("a long path is truncated; an entry without rule matches or a broken line is not an event", () => {
    expect(parseAuditLine(entry({ uri: `/${"a".repeat(500)}` }))?.path).toHaveLength(MAX_PATH_LENGTH + 1);
    expect(parseAuditLine(entry({ ids: [] }))).toBeNull();
    expect(parseAuditLine("{not json")).toBeNull();
    expect(parseAuditLine("{}")).toBeNull();
  });
});

describe("WafEventReader", () => {
  it("reads only what was appended since the last poll, and never a half-written line", () => {
    const file = path.join(dir, "incremental.log");
    writeFileSync(file, entry() + entry());
    const reader = new WafEventReader(file);
    expect(reader.poll()).toHaveLength(2);
    expect(reader.position).toBe(statSync(file).size);
    expect(reader.poll()).toEqual([]);
    const next = entry({ engine: "DetectionOnly", code: 200 });
    appendFileSync(file, next.slice(0, 100));
    expect(reader.poll()).toEqual([]);
    appendFileSync(file, next.slice(100));
    expect(reader.poll().map((e) => e.action)).toEqual(["detected"]);
  });

  it("reads a backlog in bounded chunks and never re-reads what it has read", () => {
    const file = path.join(dir, "backlog.log");
    const line = entry();
    writeFileSync(file, line.repeat(10));
    const bytes = Buffer.byteLength(line);
    const reader = new WafEventReader(file, { maxReadBytes: bytes * 3 + 10 });
    const readSync = vi.mocked(fs.readSync);
    readSync.mockClear();
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) counts.push(reader.poll().length);
    expect(counts).toEqual([3, 3, 3, 1, 0]);
    const bytesRead = readSync.mock.results.reduce((sum, r) => sum + (r.value as number), 0);
    // Each byte once, plus the partial line at the end of each full chunk (read again by the next poll).
    expect(bytesRead).toBe(bytes * 10 + 3 * 10);
  });

  it("keeps a bounded number of events, the newest", () => {
    const file = path.join(dir, "bounded.log");
    writeFileSync(file, Array.from({ length: 7 }, () => entry()).join(""));
    const reader = new WafEventReader(file, { keep: 3 });
    reader.poll();
    expect(reader.recent().map((e) => e.requestId)).toEqual([`id${n - 2}`, `id${n - 1}`, `id${n}`]);
  });

  it("follows a rotation by copy and truncate, reading the rest of the copy first", () => {
    const file = path.join(dir, "rotated.log");
    writeFileSync(file, entry());
    const reader = new WafEventReader(file);
    expect(reader.poll()).toHaveLength(1);
    appendFileSync(file, entry({ uri: "/missed-before-rotation" }));
    expect(rotateAuditLog(file, 10)).toBe(true);
    expect(statSync(file).size).toBe(0);
    appendFileSync(file, entry({ uri: "/after-rotation" }));
    expect(reader.poll().map((e) => e.path)).toEqual(["/missed-before-rotation", "/after-rotation"]);
    expect(rotateAuditLog(file, 1_000_000)).toBe(false);
  });

  it("rotates the file itself once read to its end past the size limit, losing nothing appended after its read", () => {
    const file = path.join(dir, "self-rotated.log");
    writeFileSync(file, entry() + entry());
    const reader = new WafEventReader(file, { rotateAtBytes: 100 });
    expect(reader.poll()).toHaveLength(2);
    expect(statSync(file).size).toBe(0);
    expect(statSync(`${file}.1`).size).toBeGreaterThan(100);
    appendFileSync(file, entry({ uri: "/next" }));
    expect(reader.poll().map((e) => e.path)).toEqual(["/next"]);
  });

  it("skipToTail starts at the first whole line of the file's last bytes", () => {
    const file = path.join(dir, "tail.log");
    const lines = [entry({ uri: "/1" }), entry({ uri: "/2" }), entry({ uri: "/3" })];
    writeFileSync(file, lines.join(""));
    const last = Buffer.byteLength(lines[2]!);
    const reader = new WafEventReader(file);
    reader.skipToTail(last); // the window starts exactly at the last line
    expect(reader.poll().map((e) => e.path)).toEqual(["/3"]);
    const cut = new WafEventReader(file);
    cut.skipToTail(last + 5); // the window cuts the second line: it is skipped
    expect(cut.poll().map((e) => e.path)).toEqual(["/3"]);
    const whole = new WafEventReader(file);
    whole.skipToTail(1_000_000);
    expect(whole.poll().map((e) => e.path)).toEqual(["/1", "/2", "/3"]);
  });

  it("a missing file is no events, and skipToEnd ignores what is already there", () => {
    expect(new WafEventReader(path.join(dir, "absent.log")).poll()).toEqual([]);
    const file = path.join(dir, "existing.log");
    writeFileSync(file, entry());
    const reader = new WafEventReader(file);
    reader.skipToEnd();
    expect(reader.poll()).toEqual([]);
  });
});
