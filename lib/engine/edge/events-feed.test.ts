import * as fs from "node:fs";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { auditLine } from "../../../test/support/audit-log";
import { readWafEvents, WAF_EVENTS_KEPT } from "./events-feed";
import { PROBE_PATH } from "./render-nginx";
import { edgePaths, edgeSettingsFrom, type EdgeRuntimeSettings } from "./settings";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, readSync: vi.fn(actual.readSync) };
});

// The panel's feed of WAF events against an audit log written as ModSecurity writes it: each read
// reads only what was appended, the log is rotated (copy + truncate) past its size limit without
// losing an event, a bounded number is kept, and a log it cannot read is reported, not fatal.

const root = mkdtempSync(path.join(tmpdir(), "warden-events-feed-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let instances = 0;
function instance(partial: Partial<EdgeRuntimeSettings> = {}): { settings: EdgeRuntimeSettings; log: string } {
  const settings = edgeSettingsFrom({ instanceDir: path.join(root, `edge-${++instances}`), ...partial });
  mkdirSync(edgePaths(settings).logs, { recursive: true });
  return { settings, log: edgePaths(settings).auditLog };
}

/** Bytes the feed read from disk during `read`. */
function bytesReadBy<T>(read: () => T): { value: T; bytes: number } {
  const readSync = vi.mocked(fs.readSync);
  readSync.mockClear();
  const value = read();
  return { value, bytes: readSync.mock.results.reduce((sum, r) => sum + (r.value as number), 0) };
}

describe("readWafEvents", () => {
  it("shows what the edge appended since the last read, newest first, reading only the new bytes", () => {
    const { settings, log } = instance();
    expect(readWafEvents(settings)).toEqual({ events: [], auditLog: log, readError: null });
    writeFileSync(log, auditLine({ requestId: "r1" }) + auditLine({ requestId: "r2", engine: "DetectionOnly" }));
    expect(readWafEvents(settings).events.map((e) => [e.requestId, e.action])).toEqual([
      ["r2", "detected"],
      ["r1", "blocked"],
    ]);

    const next = auditLine({ requestId: "r3", host: "Blog.Example.com:8080", uri: "/wp-login.php?u=' OR 1=1--" });
    const again = bytesReadBy(() => readWafEvents(settings));
    expect(again.bytes).toBe(0);
    expect(again.value.events).toHaveLength(2);
    appendFileSync(log, next.slice(0, 120)); // ModSecurity's write, seen half-done
    expect(readWafEvents(settings).events).toHaveLength(2);
    appendFileSync(log, next.slice(120));
    const after = bytesReadBy(() => readWafEvents(settings));
    expect(after.bytes).toBe(Buffer.byteLength(next));
    expect(after.value.events[0]).toMatchObject({ requestId: "r3", host: "blog.example.com", path: "/wp-login.php?u=' OR 1=1--" });
  });

  it("leaves out Verify's own probes (the probe location): they are the panel's requests, not visitors'", () => {
    const { settings, log } = instance();
    writeFileSync(
      log,
      auditLine({ requestId: "probe", client: "127.0.0.3", uri: `${PROBE_PATH}?q=%3Cscript%3E` }) +
        auditLine({ requestId: "visitor", uri: "/search?q=%3Cscript%3E" }),
    );
    expect(readWafEvents(settings).events.map((e) => e.requestId)).toEqual(["visitor"]);
  });

  it("rotates the log by copy and truncate past its size limit and loses no event across the rotation", () => {
    const line = auditLine({ requestId: "xx" }); // every id below is two characters: lines of one length
    const { settings, log } = instance({ auditLogMaxBytes: Buffer.byteLength(line) * 2 + 10 });
    writeFileSync(log, auditLine({ requestId: "a1" }) + auditLine({ requestId: "a2" }));
    expect(readWafEvents(settings).events).toHaveLength(2);
    expect(existsSync(`${log}.1`)).toBe(false); // at the limit, not over it

    appendFileSync(log, auditLine({ requestId: "a3" }));
    expect(readWafEvents(settings).events.map((e) => e.requestId)).toEqual(["a3", "a2", "a1"]);
    expect(statSync(log).size).toBe(0);
    expect(statSync(`${log}.1`).size).toBe(Buffer.byteLength(line) * 3);

    // ModSecurity keeps its file open (O_APPEND): the next entries land at the start of the emptied file.
    appendFileSync(log, auditLine({ requestId: "b1" }));
    const after = bytesReadBy(() => readWafEvents(settings));
    expect(after.value.events.map((e) => e.requestId)).toEqual(["b1", "a3", "a2", "a1"]);
    expect(after.bytes).toBe(Buffer.byteLength(line));
  });

  it(`keeps the newest ${WAF_EVENTS_KEPT} events`, () => {
    const { settings, log } = instance();
    writeFileSync(log, Array.from({ length: WAF_EVENTS_KEPT + 20 }, (_, i) => auditLine({ requestId: `k${i}` })).join(""));
    const events = readWafEvents(settings).events;
    expect(events).toHaveLength(WAF_EVENTS_KEPT);
    expect(events[0]!.requestId).toBe(`k${WAF_EVENTS_KEPT + 19}`);
    expect(events.at(-1)!.requestId).toBe("k20");
  });

  it("beside a large log it starts from its newest entries instead of reading the whole file", () => {
    const { settings, log } = instance();
    const old = auditLine({ requestId: "old", uri: `/${"a".repeat(2_000)}` });
    const count = Math.ceil((5 * 1024 * 1024) / Buffer.byteLength(old));
    writeFileSync(log, old.repeat(count) + auditLine({ requestId: "newest" }));
    const first = bytesReadBy(() => readWafEvents(settings));
    expect(first.value.events[0]!.requestId).toBe("newest");
    expect(first.value.events).toHaveLength(WAF_EVENTS_KEPT);
    // The tail (4 MiB) and a little around the entry cut at its edge, not the 5 MiB file.
    expect(first.bytes).toBeLessThan(4 * 1024 * 1024 + 64 * 1024);
  });

  it("a log it cannot read is reported in words, the events read before stay, and reading resumes once it can", () => {
    const { settings, log } = instance();
    writeFileSync(log, auditLine({ requestId: "before" }));
    expect(readWafEvents(settings).events).toHaveLength(1);
    rmSync(log);
    mkdirSync(log); // not a file any more
    const broken = readWafEvents(settings);
    expect(broken.readError).toMatch(new RegExp(`^Could not read the edge's audit log ${log.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: EISDIR`));
    expect(broken.events.map((e) => e.requestId)).toEqual(["before"]);

    rmSync(log, { recursive: true });
    writeFileSync(log, auditLine({ requestId: "after" }));
    expect(readWafEvents(settings)).toMatchObject({ readError: null, events: [{ requestId: "after" }, { requestId: "before" }] });
  });
});
