import { describe, expect, it } from "vitest";
import { compareEdge, type EdgeDesired } from "./diff";
import type { EdgeObservation } from "./observe";

// The edge's drift surface: each way the edge can differ from its intent, worded for an admin.

const H1 = "a".repeat(64);
const H2 = "b".repeat(64);
const intent = {
  sites: [],
  waf: { enabled: false, mode: "detect" as const, paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 },
  exclusions: [],
  rateLimit: { enabled: false, rate: 100, unit: "minute" as const, burst: 10, excess: "reject" as const },
};
const want = (wanted = true, hash = H1): EdgeDesired => ({ ok: true, intent, wanted, hash, sites: wanted ? 1 : 0 });

function observed(extra: Partial<EdgeObservation> = {}): EdgeObservation {
  return {
    observedAt: "2026-01-01T00:00:00.000Z",
    notInstalled: null,
    running: true,
    pid: 42,
    startedAt: null,
    pidFile: "alive",
    served: { generation: 3, hash: H1, latencyMs: 0.4 },
    controlError: null,
    loadedAt: "2026-01-01T00:00:00.000Z",
    written: { generation: 3, hash: H1, writtenAt: "2026-01-01T00:00:00.000Z", intent },
    files: [
      { path: "nginx.conf", state: "as_written" },
      { path: "conf.d/site-app.conf", state: "as_written" },
    ],
    orphans: [],
    logTail: [],
    ...extra,
  };
}

describe("compareEdge", () => {
  it("in sync: running, the intent's set written and served, files untouched", () => {
    const r = compareEdge(want(), observed());
    expect(r).toMatchObject({ surface: "edge", verdict: "in_sync", differences: [], reason: null });
    expect(r.expected).toEqual({ running: true, sites: 1, hash: "aaaaaaaaaaaa" });
    expect(r.actual).toMatchObject({ running: true, servedGeneration: 3, writtenGeneration: 3, filesChanged: 0 });
  });

  it("wanted running but not running (and why)", () => {
    expect(compareEdge(want(), observed({ running: false, pid: null, served: null, pidFile: "absent" })).differences).toEqual([
      { item: "edge", expected: "running", actual: "not running" },
    ]);
    expect(compareEdge(want(), observed({ running: false, served: null, pidFile: "stale_dead", orphans: [7, 8] })).differences[0]).toEqual({
      item: "edge",
      expected: "running",
      actual: "not running (2 nginx workers left without their master: pid 7, 8)",
    });
  });

  it("running while no site is enabled", () => {
    expect(compareEdge(want(false), observed()).differences).toEqual([{ item: "edge", expected: "stopped (no site is enabled)", actual: "running (pid 42)" }]);
    expect(compareEdge(want(false), observed({ running: false, served: null, files: [{ path: "nginx.conf", state: "edited" }] })).verdict).toBe("in_sync");
  });

  it("a file edited, missing or unreadable on disk", () => {
    const r = compareEdge(
      want(),
      observed({
        files: [
          { path: "nginx.conf", state: "edited" },
          { path: "conf.d/site-app.conf", state: "missing" },
          { path: "modsec/main.conf", state: "unreadable" },
        ],
      }),
    );
    expect(r.verdict).toBe("drift");
    expect(r.differences).toEqual([
      { item: "file nginx.conf", expected: "as Warden wrote it", actual: "edited on disk" },
      { item: "file conf.d/site-app.conf", expected: "as Warden wrote it", actual: "missing" },
      { item: "file modsec/main.conf", expected: "as Warden wrote it", actual: "unreadable" },
    ]);
  });

  it("the configuration written is not the intent's, or the one served is not the one written", () => {
    expect(compareEdge(want(true, H2), observed()).differences).toEqual([
      { item: "edge configuration", expected: "the intent's (hash bbbbbbbbbbbb)", actual: "generation 3 written from an earlier intent (hash aaaaaaaaaaaa)" },
    ]);
    const stale = observed({ served: { generation: 2, hash: H2, latencyMs: 1 } });
    expect(compareEdge(want(), stale).differences).toEqual([
      { item: "generation served", expected: "3 (hash aaaaaaaaaaaa), the one written", actual: "2 (hash bbbbbbbbbbbb)" },
    ]);
    expect(compareEdge(want(), observed({ written: null })).differences).toEqual([
      { item: "edge configuration", expected: "written from the intent (hash aaaaaaaaaaaa)", actual: "never written by Warden" },
    ]);
    expect(compareEdge(want(), observed({ served: null, controlError: "connection refused on 127.0.0.1:8081" })).differences).toEqual([
      { item: "control listener", expected: "answers the generation loaded", actual: "connection refused on 127.0.0.1:8081" },
    ]);
  });

  it("cannot verify: the packages missing, or an intent that cannot be rendered", () => {
    expect(compareEdge(want(), observed({ running: false, notInstalled: "/usr/sbin/nginx is missing (package nginx)" }))).toMatchObject({
      verdict: "cannot_verify",
      reason: "edge packages missing: /usr/sbin/nginx is missing (package nginx)",
      differences: [],
    });
    expect(compareEdge({ ok: false, reason: "bad host" }, observed())).toMatchObject({
      verdict: "cannot_verify",
      reason: "the edge's intent cannot be rendered: bad host",
    });
  });
});
