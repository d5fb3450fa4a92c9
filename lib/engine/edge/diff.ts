import type { Difference, SurfaceCheck } from "../../drift/drift-report";
import type { EdgeIntent } from "./edge-intent";
import type { EdgeObservation } from "./observe";

// The edge as a drift surface: what the intent needs (the edge running with the set rendered from
// it, or stopped when no site is enabled) against what was observed. Differences are worded for an
// admin: the edge not running, a rendered file edited on disk, the configuration written not being
// the intent's, the generation served not being the one written.

/** What the intent needs of the edge; `ok: false` when the stored intent cannot be rendered. */
export type EdgeDesired = { ok: true; intent: EdgeIntent; wanted: boolean; hash: string; sites: number } | { ok: false; reason: string };

/** A drift check of the edge's surface. */
export type EdgeSurfaceCheck = SurfaceCheck & { surface: "edge" };

const short = (hash: string) => hash.slice(0, 12);

const FILE_STATE_TEXT = { edited: "edited on disk", missing: "missing", unreadable: "unreadable" } as const;

function notRunning(o: EdgeObservation): string {
  if (o.orphans.length > 0)
    return `not running (${o.orphans.length} nginx worker${o.orphans.length > 1 ? "s" : ""} left without their master: pid ${o.orphans.join(", ")})`;
  if (o.pidFile === "stale_dead") return "not running (its pid file names a process that is gone)";
  if (o.pidFile === "stale_stranger") return "not running (its pid file names another program)";
  return "not running";
}

export function compareEdge(desired: EdgeDesired, o: EdgeObservation): EdgeSurfaceCheck {
  const actual = {
    running: o.running,
    pid: o.pid,
    servedGeneration: o.served?.generation ?? null,
    servedHash: o.served ? short(o.served.hash) : null,
    writtenGeneration: o.written?.generation ?? null,
    writtenHash: o.written ? short(o.written.hash) : null,
    loadedAt: o.loadedAt,
    filesChanged: o.files.filter((f) => f.state !== "as_written").length,
  };
  if (!desired.ok) {
    return {
      surface: "edge",
      verdict: "cannot_verify",
      differences: [],
      expected: null,
      actual,
      reason: `the edge's intent cannot be rendered: ${desired.reason}`,
    };
  }
  const expected = { running: desired.wanted, sites: desired.sites, hash: short(desired.hash) };
  if (desired.wanted && o.notInstalled) {
    return { surface: "edge", verdict: "cannot_verify", differences: [], expected, actual: null, reason: `edge packages missing: ${o.notInstalled}` };
  }

  const differences: Difference[] = [];
  if (!desired.wanted) {
    if (o.running) differences.push({ item: "edge", expected: "stopped (no site is enabled)", actual: `running (pid ${o.pid})` });
    else if (o.orphans.length > 0) differences.push({ item: "edge", expected: "stopped (no site is enabled)", actual: notRunning(o) });
  } else {
    if (!o.running) differences.push({ item: "edge", expected: "running", actual: notRunning(o) });
    if (o.running && o.controlError) differences.push({ item: "control listener", expected: "answers the generation loaded", actual: o.controlError });
    if (!o.written) {
      differences.push({ item: "edge configuration", expected: `written from the intent (hash ${short(desired.hash)})`, actual: "never written by Warden" });
    } else {
      if (o.written.hash !== desired.hash) {
        differences.push({
          item: "edge configuration",
          expected: `the intent's (hash ${short(desired.hash)})`,
          actual: `generation ${o.written.generation} written from an earlier intent (hash ${short(o.written.hash)})`,
        });
      }
      if (o.served && (o.served.generation !== o.written.generation || o.served.hash !== o.written.hash)) {
        differences.push({
          item: "generation served",
          expected: `${o.written.generation} (hash ${short(o.written.hash)}), the one written`,
          actual: `${o.served.generation} (hash ${short(o.served.hash)})`,
        });
      }
    }
    for (const f of o.files) {
      if (f.state !== "as_written") differences.push({ item: `file ${f.path}`, expected: "as Warden wrote it", actual: FILE_STATE_TEXT[f.state] });
    }
    // A protection the last Verify of this generation did not see enforced (an older run says nothing).
    if (o.served && o.verify && o.verify.generation === o.served.generation) {
      for (const failure of o.verify.failures) differences.push({ item: "verify", expected: "every enabled protection seen enforced", actual: failure });
    }
  }
  return { surface: "edge", verdict: differences.length > 0 ? "drift" : "in_sync", differences, expected, actual, reason: null };
}
