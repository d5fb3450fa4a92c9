import { describe, expect, it } from "vitest";
import type { ApplyReport } from "@/lib/engine/apply-all";
import type { DriftReport, Surface, SurfaceSnapshot } from "@/lib/drift/drift-report";
import { applyCanHelp, applySummary, capLines, differenceLine, MAX_BANNER_LINES, surfaceLines, surfacesNeedingAttention, tabVerdict } from "./drift-lines";

// The banner is what an admin reads to decide whether to press Apply: each line must name the
// item, what the panel wants and what the runtime has, and a long list must not bury the page.

const snap = (surface: Surface, over: Partial<SurfaceSnapshot> = {}): SurfaceSnapshot => ({
  surface,
  verdict: "in_sync",
  differences: [],
  expected: null,
  actual: null,
  reason: null,
  since: null,
  checkedAt: "2025-03-01T12:00:00.000Z",
  ...over,
});
const report = (over: Partial<Record<Surface, Partial<SurfaceSnapshot>>> = {}): Pick<DriftReport, "surfaces"> => ({
  surfaces: {
    engine: snap("engine", over.engine),
    scenarios: snap("scenarios", over.scenarios),
    appsec: snap("appsec", over.appsec),
    edge: snap("edge", over.edge),
    blocklist: snap("blocklist", over.blocklist),
    store: snap("store", over.store),
  },
});

describe("differenceLine", () => {
  it("words each surface's difference as the admin reads it", () => {
    expect(differenceLine("scenarios", { item: "scenario crowdsecurity/ssh-bf", expected: "disabled", actual: "enabled" })).toBe(
      "scenario crowdsecurity/ssh-bf — panel: disabled, runtime: enabled",
    );
    expect(differenceLine("appsec", { item: "inbound threshold", expected: "10", actual: "5" })).toBe("inbound threshold — panel 10, runtime 5");
    expect(differenceLine("engine", { item: "CrowdSec", expected: "wanted on", actual: "not running" })).toBe("CrowdSec — wanted on, not running");
  });
});

describe("surfaceLines", () => {
  it("caps a long list and counts the rest", () => {
    const differences = Array.from({ length: 300 }, (_, i) => ({ item: `scenario a/s${String(i).padStart(3, "0")}`, expected: "disabled", actual: "enabled" }));
    const { shown, more } = surfaceLines(snap("scenarios", { verdict: "drift", differences }));
    expect(shown).toHaveLength(MAX_BANNER_LINES);
    expect(shown[0]).toBe("scenario a/s000 — panel: disabled, runtime: enabled");
    expect(more).toBe(300 - MAX_BANNER_LINES);
  });

  it("cannot verify says so with the reason, never 'no drift'", () => {
    const { shown } = surfaceLines(snap("scenarios", { verdict: "cannot_verify", reason: "the runtime's scenarios directory /x does not exist" }));
    expect(shown).toEqual(["cannot verify: the runtime's scenarios directory /x does not exist"]);
  });

  it("the store's drift is one line naming the keys", () => {
    const { shown } = surfaceLines(snap("store", { verdict: "drift", differences: [{ item: "security.waf.mode", expected: "block", actual: "detect" }] }));
    expect(shown).toEqual(["settings mirror disagrees with security config: security.waf.mode"]);
  });

  it("in sync has nothing to say; drift without details still says it differs", () => {
    expect(surfaceLines(snap("appsec"))).toEqual({ shown: [], more: 0 });
    expect(surfaceLines(snap("appsec", { verdict: "drift" })).shown[0]).toMatch(/differs/);
  });
});

describe("capLines", () => {
  it("keeps a short list whole", () => {
    expect(capLines(["a", "b"], 2)).toEqual({ shown: ["a", "b"], more: 0 });
    expect(capLines(["a", "b", "c"], 2)).toEqual({ shown: ["a", "b"], more: 1 });
  });
});

describe("surfacesNeedingAttention, tabVerdict, applyCanHelp", () => {
  it("lists drift and cannot-verify surfaces, and puts each on its tab", () => {
    const r = report({ engine: { verdict: "cannot_verify", reason: "x" }, appsec: { verdict: "drift" } });
    expect(surfacesNeedingAttention(r)).toEqual(["engine", "appsec"]);
    expect(tabVerdict(r, "overview")).toBe("cannot_verify");
    expect(tabVerdict(r, "appsec")).toBe("drift");
    expect(tabVerdict(r, "scenarios")).toBeNull();
    expect(tabVerdict(report({ engine: { verdict: "cannot_verify" }, store: { verdict: "drift" } }), "overview")).toBe("drift");
    expect(surfacesNeedingAttention(undefined)).toEqual([]);
  });

  it("offers Apply only where it can help (the agent and the files, not the mirror)", () => {
    expect(applyCanHelp(report({ scenarios: { verdict: "drift" } }))).toBe(true);
    expect(applyCanHelp(report({ appsec: { verdict: "cannot_verify" } }))).toBe(true);
    expect(applyCanHelp(report({ engine: { verdict: "drift" } }))).toBe(true);
    expect(applyCanHelp(report({ engine: { verdict: "cannot_verify" }, store: { verdict: "drift" } }))).toBe(false);
    expect(applyCanHelp(report({ scenarios: { verdict: "cannot_verify" } }))).toBe(false);
  });
});

describe("applySummary", () => {
  const base: ApplyReport = {
    mode: "managed",
    tuningFile: { path: "/d/waf/crs-tuning.conf", written: true },
    edge: null,
    scenarios: { enabled: [], disabled: ["crowdsecurity/ssh-bf"], missingFromHub: [] },
    reload: { reloaded: true, ms: 312, scenariosLoaded: 34 },
    commands: [],
    errors: [],
    ms: 400,
  };

  it("says what changed and the reload figure", () => {
    expect(applySummary(base)).toEqual([
      "WAF tuning file written: /d/waf/crs-tuning.conf.",
      "Disabled 1 scenario: crowdsecurity/ssh-bf.",
      "CrowdSec reloaded in 312 ms, 34 scenarios loaded.",
    ]);
  });

  it("says when nothing needed a change and why there was no reload", () => {
    const lines = applySummary({
      ...base,
      tuningFile: { path: "/f", written: false },
      scenarios: { enabled: [], disabled: [], missingFromHub: [] },
      reload: { reloaded: false, reason: "no scenario changed" },
    });
    expect(lines).toEqual(["WAF tuning file already matched: /f.", "No scenario link needed a change.", "CrowdSec not reloaded: no scenario changed."]);
  });

  it("says what became of the agent first, a failure in words", () => {
    expect(applySummary({ ...base, agent: { status: "applied", summary: "The CrowdSec agent is running (pid 42); its Local API answers in 3 ms." } })[0]).toBe(
      "CrowdSec: The CrowdSec agent is running (pid 42); its Local API answers in 3 ms.",
    );
    expect(applySummary({ ...base, agent: { status: "failed", summary: "port 8080 is in use." } })[0]).toBe(
      "CrowdSec could not be brought to the intent: port 8080 is in use.",
    );
  });

  it("names at most five scenarios", () => {
    const enabled = ["a/1", "a/2", "a/3", "a/4", "a/5", "a/6", "a/7"];
    expect(applySummary({ ...base, scenarios: { enabled, disabled: [], missingFromHub: [] } })[1]).toBe(
      "Enabled 7 scenarios: a/1, a/2, a/3, a/4, a/5 and 2 more.",
    );
  });

  it("an external runtime: nothing changed there (the commands are shown beside)", () => {
    const lines = applySummary({ ...base, mode: "external", commands: ["cscli scenarios remove crowdsecurity/ssh-bf"] });
    expect(lines.at(-1)).toMatch(/runs externally: Warden changed nothing there/);
    expect(lines.join(" ")).not.toMatch(/reloaded/);
  });
});
