import { describe, expect, it } from "vitest";
import type { RuntimeState } from "../drivers";
import { compareEngine, type EngineObservation } from "./agent-diff";

const local = { enabled: true, mode: "local" as const };
const external = { enabled: true, mode: "external" as const };
const off = { enabled: false, mode: "local" as const };
const obs = (state: RuntimeState, summary = `it is ${state}`, extra: Partial<EngineObservation> = {}): EngineObservation => ({ state, summary, ...extra });

describe("compareEngine", () => {
  it("on + local: running is in sync, with a small summary", () => {
    const r = compareEngine(local, obs("running", "The CrowdSec agent is running (pid 42).", { pid: 42 }));
    expect(r).toEqual({
      surface: "engine",
      verdict: "in_sync",
      differences: [],
      expected: { enabled: true, mode: "local" },
      actual: { state: "running", summary: "The CrowdSec agent is running (pid 42).", pid: 42 },
      reason: null,
    });
  });

  it("on + local: stopped or failed is drift, worded for an admin", () => {
    expect(compareEngine(local, obs("stopped")).differences).toEqual([{ item: "CrowdSec", expected: "wanted on", actual: "not running (stopped)" }]);
    const failed = compareEngine(local, obs("failed", "The agent exited with code 1."));
    expect(failed.verdict).toBe("drift");
    expect(failed.differences).toEqual([{ item: "CrowdSec", expected: "wanted on", actual: "failed: The agent exited with code 1." }]);
  });

  it("on + local, not installed: cannot verify, with the driver's sentence", () => {
    const r = compareEngine(local, obs("not_installed", "CrowdSec is not installed on this machine (apt-get install crowdsec)."));
    expect(r).toMatchObject({ verdict: "cannot_verify", differences: [], reason: "CrowdSec is not installed on this machine (apt-get install crowdsec)." });
  });

  it("off: running is drift; nothing running is in sync", () => {
    expect(compareEngine(off, obs("running", "x", { pid: 7 })).differences).toEqual([{ item: "CrowdSec", expected: "wanted off", actual: "running (pid 7)" }]);
    expect(compareEngine(off, obs("failed", "LAPI does not answer", { pid: 8 })).differences).toEqual([
      { item: "CrowdSec", expected: "wanted off", actual: "running (its Local API does not answer) (pid 8)" },
    ]);
    for (const s of ["stopped", "failed", "not_installed", "unmanaged"] as const) expect(compareEngine(off, obs(s)).verdict).toBe("in_sync");
  });

  it("starting/stopping is not drift in either direction: the panel is changing it", () => {
    for (const intent of [local, off, external]) {
      for (const s of ["starting", "stopping"] as const) {
        const r = compareEngine(intent, obs(s));
        expect(r.verdict).toBe("in_sync");
        expect(r.actual).toMatchObject({ state: s, changing: true });
      }
    }
  });

  it("external: reachable is in sync, unreachable is drift", () => {
    const up = obs("external", "Using the external Local API at http://lapi:8080: reachable (3 ms).", { details: { reachable: true } });
    expect(compareEngine(external, up).verdict).toBe("in_sync");
    const down = obs("external", "Using the external Local API at http://lapi:8080: unreachable (ECONNREFUSED).", { details: { reachable: false } });
    const r = compareEngine(external, down);
    expect(r.verdict).toBe("drift");
    expect(r.differences).toEqual([
      {
        item: "CrowdSec (external Local API)",
        expected: "reachable",
        actual: "unreachable: Using the external Local API at http://lapi:8080: unreachable (ECONNREFUSED).",
      },
    ]);
    // Without details, the summary decides.
    expect(compareEngine(external, obs("external", "Using the external Local API at x: unreachable (timeout).")).verdict).toBe("drift");
    expect(compareEngine(external, obs("external", "Using the external Local API at x: reachable (1 ms).")).verdict).toBe("in_sync");
    expect(compareEngine(external, obs("external", "no idea")).verdict).toBe("cannot_verify");
  });

  it("external wanted but the local agent observed: drift", () => {
    expect(compareEngine(external, obs("running", "x", { pid: 5 })).differences).toEqual([
      { item: "CrowdSec (external Local API)", expected: "external Local API in use", actual: "the managed local agent is running (pid 5)" },
    ]);
    expect(compareEngine(external, obs("stopped", "stopped.")).verdict).toBe("drift");
    expect(compareEngine(local, obs("external", "Using the external Local API at x: reachable (1 ms).")).verdict).toBe("drift");
  });

  it("unmanaged with the intent on: cannot verify", () => {
    expect(compareEngine(local, obs("unmanaged", "intent only: no runtime connected"))).toMatchObject({
      verdict: "cannot_verify",
      reason: "intent only: no runtime connected",
    });
  });
});
