// The `engine` drift surface: the CrowdSec intent (on/off, local/external) against what the
// engine's driver observed (lib/engine/drivers.ts RuntimeObservation).
//
// Choice for `starting` / `stopping`: not drift (in_sync, with `actual.changing: true`). The
// driver reports them only while a transition is under way, and both are bounded by the driver
// itself: a start whose Local API never answers becomes `failed` after the ready timeout, a stop
// escalates to SIGKILL. The applier drives to the latest intent, so a transition in either
// direction is the panel converging (a restart for a config change passes through `stopping`
// while the intent is on). Flagging them would flash drift on every click; a transition that
// goes wrong ends in a state that is drift (`failed`, `stopped`, still `running`).
//
// With the intent off, drift means a process is there: `running`, or `failed` with a pid (an
// agent alive whose Local API does not answer). Nothing running is in sync, whatever the reason.
import type { RuntimeObservation } from "../drivers";
import type { SurfaceCheck } from "../../drift/drift-report";

export interface EngineIntent {
  enabled: boolean;
  mode: "local" | "external";
}

export type EngineObservation = Pick<RuntimeObservation, "state" | "summary"> & Partial<Pick<RuntimeObservation, "pid" | "details">>;

const LOCAL_ITEM = "CrowdSec";
const EXTERNAL_ITEM = "CrowdSec (external Local API)";

function withPid(word: string, pid: number | undefined): string {
  return pid ? `${word} (pid ${pid})` : word;
}

/** Reachable, unreachable or unknown, from an `external` observation. */
function externalReachable(o: EngineObservation): boolean | null {
  const r = o.details?.reachable;
  if (typeof r === "boolean") return r;
  if (/\bunreachable\b/i.test(o.summary)) return false;
  if (/\breachable\b/i.test(o.summary)) return true;
  return null;
}

export function compareEngine(intent: EngineIntent, observation: EngineObservation): SurfaceCheck {
  const o = observation;
  const expected = { enabled: intent.enabled, mode: intent.mode };
  const actual: Record<string, unknown> = { state: o.state, summary: o.summary };
  if (o.pid) actual.pid = o.pid;
  const result = (verdict: SurfaceCheck["verdict"], differences: SurfaceCheck["differences"] = [], reason: string | null = null): SurfaceCheck => ({
    surface: "engine",
    verdict,
    differences,
    expected,
    actual,
    reason,
  });
  const drift = (item: string, want: string, have: string) => result("drift", [{ item, expected: want, actual: have }]);

  if (o.state === "starting" || o.state === "stopping") {
    actual.changing = true;
    return result("in_sync");
  }
  if (o.state === "unmanaged" || o.state === "rendered") {
    return intent.enabled ? result("cannot_verify", [], o.summary || "no runtime is connected to CrowdSec") : result("in_sync");
  }

  if (!intent.enabled) {
    if (o.state === "running") return drift(LOCAL_ITEM, "wanted off", withPid("running", o.pid));
    if (o.state === "failed" && o.pid) return drift(LOCAL_ITEM, "wanted off", withPid("running (its Local API does not answer)", o.pid));
    return result("in_sync");
  }

  if (intent.mode === "external") {
    if (o.state === "external") {
      const reachable = externalReachable(o);
      actual.reachable = reachable;
      if (reachable === true) return result("in_sync");
      if (reachable === false) return drift(EXTERNAL_ITEM, "reachable", `unreachable: ${o.summary}`);
      return result("cannot_verify", [], o.summary || "the external Local API's state is unknown");
    }
    if (o.state === "running") return drift(EXTERNAL_ITEM, "external Local API in use", withPid("the managed local agent is running", o.pid));
    return drift(EXTERNAL_ITEM, "reachable", `not in use (${o.state}): ${o.summary}`);
  }

  // Intent on, local.
  switch (o.state) {
    case "running":
      return result("in_sync");
    case "not_installed":
      return result("cannot_verify", [], o.summary);
    case "stopped":
      return drift(LOCAL_ITEM, "wanted on", "not running (stopped)");
    case "failed":
      return drift(LOCAL_ITEM, "wanted on", `failed: ${o.summary}`);
    case "external":
      return drift(LOCAL_ITEM, "wanted on (managed local agent)", `an external Local API is in use: ${o.summary}`);
  }
}
