import { describe, expect, it } from "vitest";
import type { RuntimeObservation } from "@/lib/engine/drivers";
import { formatUptime, runtimeBadge, runtimeFacts, type RuntimeFact } from "./runtime-facts";

// The runtime row is what an admin reads during an incident: the facts must be the observed ones,
// in words, and the badge must never claim a start the panel will not attempt.

const OBSERVED_AT = "2025-03-01T12:00:00.000Z";
const observation = (over: Partial<RuntimeObservation>): RuntimeObservation => ({
  protection: "crowdsec",
  state: "running",
  summary: "CrowdSec agent is running.",
  observedAt: OBSERVED_AT,
  ...over,
});
const words = (facts: RuntimeFact[]) => facts.map((f) => (f.kind === "pid" ? `pid ${f.pid}` : f.text)).join(" · ");

describe("formatUptime", () => {
  it.each([
    [0, "0s"],
    [-5_000, "0s"],
    [59_999, "59s"],
    [60_000, "1m"],
    [3 * 60_000 + 59_000, "3m"],
    [60 * 60_000, "1h"],
    [2 * 3_600_000 + 5 * 60_000, "2h 5m"],
    [24 * 3_600_000, "1d"],
    [3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000, "3d 4h"],
  ])("%i ms → %s", (ms, text) => expect(formatUptime(ms)).toBe(text));
});

describe("runtimeFacts", () => {
  it("running: pid, uptime from startedAt, LAPI and version, in that order", () => {
    const running = observation({
      pid: 1234,
      startedAt: "2025-03-01T11:57:00.000Z",
      details: { lapi: "ready", version: "1.4.6", lapiUrl: "http://127.0.0.1:8080" },
    });
    expect(words(runtimeFacts(running, Date.parse(OBSERVED_AT)))).toBe("pid 1234 · up 3m · LAPI ready · v1.4.6");
    expect(runtimeFacts(running, null)[0]).toEqual({ kind: "pid", pid: 1234 });
  });

  it("the uptime ticks with the page clock, and before hydration is the one at observation time", () => {
    const running = observation({ pid: 1, startedAt: "2025-03-01T11:59:00.000Z" });
    expect(words(runtimeFacts(running, null))).toContain("up 1m");
    expect(words(runtimeFacts(running, Date.parse(OBSERVED_AT) + 2 * 3_600_000))).toContain("up 2h 1m");
  });

  it("shows a version's release, the full build string on hover", () => {
    expect(runtimeFacts(observation({ details: { version: "v1.6.0" } }), null)).toEqual([{ kind: "text", text: "v1.6.0" }]);
    expect(runtimeFacts(observation({ details: { version: "1.4.6-6~deb12u1+b1-debian" } }), null)).toEqual([
      { kind: "text", text: "v1.4.6", title: "1.4.6-6~deb12u1+b1-debian" },
    ]);
    expect(words(runtimeFacts(observation({ details: { version: "nightly" } }), null))).toBe("nightly");
  });

  it("external: reachability, latency and the URL probed", () => {
    const external = observation({ state: "external", details: { lapi: "reachable", latencyMs: 12.4, lapiUrl: "http://lapi.internal:8080" } });
    expect(words(runtimeFacts(external, null))).toBe("LAPI reachable · 12 ms · http://lapi.internal:8080");
    const down = observation({ state: "external", details: { lapi: "unreachable", lapiUrl: "http://lapi.internal:8080" } });
    expect(words(runtimeFacts(down, null))).toBe("LAPI unreachable · http://lapi.internal:8080");
  });

  it("failed: why self-heal stopped; no pid or uptime of a process that is gone", () => {
    const failed = observation({ state: "failed", pid: 99, startedAt: "2025-03-01T11:00:00.000Z", details: { selfHeal: "gave up after 5 attempts" } });
    expect(words(runtimeFacts(failed, null))).toBe("self-heal gave up after 5 attempts");
  });

  it("stopped: how it was stopped", () => {
    expect(words(runtimeFacts(observation({ state: "stopped", details: { stopHow: "sigkill" } }), null))).toBe("stopped with SIGKILL");
  });

  it("nothing to say for a runtime that is not managed or not installed", () => {
    expect(runtimeFacts(observation({ state: "unmanaged" }), null)).toEqual([]);
    expect(runtimeFacts(observation({ state: "not_installed", details: {} }), null)).toEqual([]);
  });
});

describe("runtimeBadge", () => {
  it("names the observed state in a word", () => {
    expect(runtimeBadge({ state: "running" }, null)).toEqual({ word: "Running", tone: "green" });
    expect(runtimeBadge({ state: "not_installed" }, null).word).toBe("Not installed");
    expect(runtimeBadge({ state: "failed" }, null)).toEqual({ word: "Failed", tone: "red" });
  });

  it("says Reconciling… until the boot reconciler ran, still naming what was observed", () => {
    expect(runtimeBadge({ state: "stopped", reconciling: true }, "starting")).toEqual({ word: "Reconciling…", tone: "amber", observed: "Stopped" });
  });

  it("a toggle in flight shows Starting…/Stopping… for a runtime the panel drives", () => {
    expect(runtimeBadge({ state: "stopped" }, "starting")).toMatchObject({ word: "Starting…", observed: "Stopped" });
    expect(runtimeBadge({ state: "running" }, "stopping")).toMatchObject({ word: "Stopping…", observed: "Running" });
    expect(runtimeBadge({ state: "failed" }, "starting")).toMatchObject({ word: "Starting…", observed: "Failed" });
    // Once the observation itself says so, or already shows the outcome while the action settles,
    // the observed state is shown as it is.
    expect(runtimeBadge({ state: "starting" }, "starting")).toEqual({ word: "Starting…", tone: "blue" });
    expect(runtimeBadge({ state: "running" }, "starting")).toEqual({ word: "Running", tone: "green" });
    expect(runtimeBadge({ state: "stopped" }, "stopping")).toEqual({ word: "Stopped", tone: "grey" });
  });

  it("never promises a start for a runtime that a toggle does not start", () => {
    for (const state of ["unmanaged", "not_installed", "external"] as const) {
      expect(runtimeBadge({ state }, "starting").observed).toBeUndefined();
    }
    expect(runtimeBadge({ state: "unmanaged" }, "starting").word).toBe("Not managed");
  });

  it("an API that does not answer shows in the colour as well as in the facts", () => {
    expect(runtimeBadge({ state: "external", details: { lapi: "unreachable" } }, null)).toEqual({ word: "External", tone: "red" });
    expect(runtimeBadge({ state: "running", details: { lapi: "not answering" } }, null)).toEqual({ word: "Running", tone: "amber" });
  });
});
