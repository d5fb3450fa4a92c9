import * as childProcess from "node:child_process";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../log";
import type { RuntimeEvent } from "../drivers";
import { startAgent } from "./agent-start";
import { probeLapi } from "./lapi-probe";
import { pidFileState, writePidFile } from "./pid-file";
import { CrowdsecDriver } from "./driver";
import { ensureInstance } from "./instance";
import { isAlive } from "../proc";
import { instancePaths } from "./settings";
import { agentFixture, applyInOtherProcess, cleanupAllFixtures, crowdsecIntent, freePort, waitFor, type AgentFixture } from "../../../test/support/crowdsec";

// Every spawn/execFile in the engine goes through these spies, so a test can assert "none".
vi.mock("node:child_process", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:child_process")>();
  return { ...actual, spawn: vi.fn(actual.spawn), execFile: vi.fn(actual.execFile) };
});

// The CrowdSec driver against the real agent: apply/observe/events, adoption after a "restart",
// faults, and the lock (never two agents).

const drivers: CrowdsecDriver[] = [];
function driverFor(f: AgentFixture, settings = f.settings) {
  const d = new CrowdsecDriver(settings);
  drivers.push(d);
  return d;
}
const never = new AbortController().signal;

afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of drivers.splice(0)) d.close();
  await cleanupAllFixtures();
});

function collect(d: CrowdsecDriver): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  d.onEvent((e) => events.push(e));
  return events;
}

describe("CrowdsecDriver", () => {
  it("on: creates the instance and starts one agent; observe is fast and spawns nothing; off: stops it", async () => {
    const f = await agentFixture();
    const d = driverFor(f);
    const events = collect(d);
    expect((await d.observe()).state).toBe("stopped");

    const on = await d.apply(crowdsecIntent(true, 2), never);
    expect(on).toMatchObject({ status: "applied", version: 2 });
    if (on.status !== "applied") throw new Error("unreachable");
    const pid = on.observation.pid!;
    expect(on.observation).toMatchObject({ state: "running", details: { lapi: "ready", lapiUrl: `http://127.0.0.1:${f.settings.lapiPort}` } });
    expect(on.observation.details?.version).toMatch(/^v1\.4\./);
    expect(on.observation.summary).toMatch(/^The CrowdSec agent is running \(pid \d+\); its Local API answers in [\d.]+ ms\.$/);
    expect(f.agentPids()).toEqual([pid]);
    expect(events).toEqual([{ type: "started", pid }]);

    // observe spawns no child process (it is polled; its speed is bench:engine's "status poll" figure).
    const spawned = () => vi.mocked(childProcess.spawn).mock.calls.length + vi.mocked(childProcess.execFile).mock.calls.length;
    const before = spawned();
    expect(before).toBeGreaterThan(0); // the spies see the engine's spawns (the start above)
    for (let i = 0; i < 40; i++) expect((await d.observe()).state).toBe("running");
    expect(spawned()).toBe(before);

    // Applying the same intent again adopts, never starts a second agent.
    const again = await d.apply(crowdsecIntent(true, 3), never);
    expect(again).toMatchObject({ status: "applied", observation: { pid } });
    expect(f.agentPids()).toEqual([pid]);

    const off = await d.apply(crowdsecIntent(false, 4), never);
    expect(off).toMatchObject({ status: "applied", version: 4, observation: { state: "stopped", details: { stoppedHow: "sigterm" } } });
    expect(f.agentPids()).toEqual([]);
    await waitFor(() => events.some((e) => e.type === "exit"), 2_000, "exit event");
    expect(events).toContainEqual({ type: "exit", pid, code: 0, signal: null, expected: true });
    expect(events).toContainEqual({ type: "stopped", pid, how: "sigterm" });
    expect((await d.observe()).summary).toBe("The CrowdSec agent is stopped.");
  });

  it("an agent killed with SIGKILL: exit event not expected, observe says failed within 2 s", async () => {
    const f = await agentFixture();
    const d = driverFor(f);
    const events = collect(d);
    const on = await d.apply(crowdsecIntent(true, 1), never);
    if (on.status !== "applied") throw new Error(on.status === "failed" ? on.error : "not managed");
    const pid = on.observation.pid!;
    const t0 = Date.now();
    process.kill(pid, "SIGKILL");
    await waitFor(() => events.find((e) => e.type === "exit"), 2_000, "exit event");
    expect(events).toContainEqual({ type: "exit", pid, code: null, signal: "SIGKILL", expected: false });
    const o = await d.observe();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(o.state).toBe("failed");
    expect(o.summary).toBe(`The CrowdSec agent (pid ${pid}) exited unexpectedly (signal SIGKILL).`);
    expect(pidFileState(f.settings)).toBe("absent");
  });

  it("adoption after a panel restart: a new driver finds the agent, never starts a second, and watches it by pid probe", async () => {
    const f = await agentFixture({ probeMs: 100 });
    const first = driverFor(f);
    const on = await first.apply(crowdsecIntent(true, 1), never);
    if (on.status !== "applied") throw new Error("start failed");
    const pid = on.observation.pid!;
    first.close(); // the "panel" goes away; the agent stays

    const second = driverFor(f);
    const events = collect(second);
    const seen = await second.observe();
    expect(seen).toMatchObject({ state: "running", pid });
    expect(seen.startedAt).toBeTruthy();
    const adopted = await second.apply(crowdsecIntent(true, 2), never);
    expect(adopted).toMatchObject({ status: "applied", observation: { pid, details: { adopted: true } } });
    expect(f.agentPids()).toEqual([pid]);
    expect(events.filter((e) => e.type === "started")).toEqual([]);

    // The adopted agent dies: the pid probe reports it.
    const t0 = Date.now();
    process.kill(pid, "SIGKILL");
    await waitFor(() => events.find((e) => e.type === "exit"), 2_000, "exit event from the pid probe");
    console.log(`[timing] adopted agent death seen after ${Date.now() - t0} ms (probe ${f.settings.probeMs} ms)`);
    expect(events).toContainEqual({ type: "exit", pid, code: null, signal: null, expected: false });
    expect((await second.observe()).state).toBe("failed");
  });

  it("an adopted agent stopped by the new driver: exit expected, no stranger signalled", async () => {
    const f = await agentFixture({ probeMs: 100 });
    await ensureInstance(f.settings);
    const { pid } = await startAgent(f.settings); // started by "the CLI"
    const d = driverFor(f);
    const events = collect(d);
    const off = await d.apply(crowdsecIntent(false, 5), never);
    expect(off).toMatchObject({ status: "applied", observation: { state: "stopped", details: { stoppedHow: "sigterm" } } });
    expect(isAlive(pid)).toBe(false);
    expect(events).toContainEqual({ type: "exit", pid, code: null, signal: null, expected: true });
    expect(events).toContainEqual({ type: "stopped", pid, how: "sigterm" });
  });

  it("stale pid files: a dead pid is cleaned with a WARN; a stranger's pid is never killed", async () => {
    const f = await agentFixture();
    await ensureInstance(f.settings);
    const warn = vi.spyOn(log, "warn");
    const dead = spawn("true");
    await new Promise((r) => dead.on("exit", r));
    writePidFile(f.settings, dead.pid!);
    const d = driverFor(f);
    expect(await d.observe()).toMatchObject({ state: "stopped", details: { pidFile: "stale_dead" } });
    expect(await d.apply(crowdsecIntent(false, 1), never)).toMatchObject({ status: "applied" });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "crowdsec.pidfile.stale", state: "stale_dead" }), expect.any(String));
    expect(pidFileState(f.settings)).toBe("absent");

    const stranger = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      writePidFile(f.settings, stranger.pid!);
      expect(await d.observe()).toMatchObject({ state: "stopped", details: { pidFile: "stale_stranger" } });
      expect(await d.apply(crowdsecIntent(false, 2), never)).toMatchObject({ status: "applied" });
      expect(isAlive(stranger.pid!)).toBe(true);
      writePidFile(f.settings, stranger.pid!);
      const on = await d.apply(crowdsecIntent(true, 3), never);
      expect(on).toMatchObject({ status: "applied", observation: { state: "running" } });
      if (on.status === "applied") expect(on.observation.pid).not.toBe(stranger.pid);
      expect(isAlive(stranger.pid!)).toBe(true);
      expect(f.agentPids()).toHaveLength(1);
    } finally {
      stranger.kill("SIGKILL");
    }
  });

  it("a broken instance file: apply fails with the reason and the log tail, observe says failed, nothing left running", async () => {
    const f = await agentFixture();
    await ensureInstance(f.settings);
    writeFileSync(`${f.dir}/etc/profiles.yaml`, "name: [unclosed\n");
    const d = driverFor(f);
    const r = await d.apply(crowdsecIntent(true, 1), never);
    expect(r.status).toBe("failed");
    if (r.status !== "failed") return;
    expect(r.error).toMatch(/^CrowdSec exited during start \(code \d+\): /);
    expect(r.logTail?.length).toBeGreaterThan(0);
    expect(f.agentPids()).toEqual([]);
    const o = await d.observe();
    expect(o).toMatchObject({ state: "failed", summary: r.error });
    expect(o.logTail?.length).toBeGreaterThan(0);
  });

  it("not installed: preflight refuses, apply fails, observe says not_installed with the install hint", async () => {
    const f = await agentFixture({ bin: "/nonexistent/crowdsec" });
    const d = driverFor(f);
    expect(() => d.preflight(crowdsecIntent(true, 1))).toThrow(/\/nonexistent\/crowdsec is missing.*install-crowdsec\.sh/);
    expect(() => d.preflight(crowdsecIntent(false, 1))).not.toThrow();
    expect(() => d.preflight(crowdsecIntent(true, 1, "external", "http://127.0.0.1:1"))).not.toThrow();
    const r = await d.apply(crowdsecIntent(true, 1), never);
    expect(r).toMatchObject({ status: "failed", error: expect.stringContaining("CrowdSec is not installed") });
    expect(await d.observe()).toMatchObject({ state: "not_installed", summary: expect.stringContaining("sudo bash scripts/install-crowdsec.sh") });
    expect(f.agentPids()).toEqual([]);
  });

  it("LAPI never ready (tiny timeout): failed, nothing left running", async () => {
    const f = await agentFixture({ readyTimeoutMs: 150 });
    const d = driverFor(f);
    const r = await d.apply(crowdsecIntent(true, 1), never);
    expect(r).toMatchObject({ status: "failed", error: expect.stringMatching(/within 150 ms$/) });
    expect(f.agentPids()).toEqual([]);
    expect(pidFileState(f.settings)).toBe("absent");
    expect((await d.observe()).state).toBe("failed");
  });

  it("concurrent applies and two drivers (two 'panels') never produce two agents", async () => {
    const f = await agentFixture();
    const a = driverFor(f);
    const b = driverFor(f);
    const results = await Promise.all([
      a.apply(crowdsecIntent(true, 1), never),
      a.apply(crowdsecIntent(true, 2), never),
      b.apply(crowdsecIntent(true, 3), never),
    ]);
    expect(results.map((r) => r.status)).toEqual(["applied", "applied", "applied"]);
    const pids = new Set(results.map((r) => (r.status === "applied" ? r.observation.pid : 0)));
    expect(pids.size).toBe(1);
    expect(f.agentPids()).toHaveLength(1);
    // Off and on at once from both: ends in the last applied state with at most one agent.
    await Promise.all([a.apply(crowdsecIntent(false, 4), never), b.apply(crowdsecIntent(true, 5), never)]);
    expect(f.agentPids().length).toBeLessThanOrEqual(1);
  });

  it("two separate processes applying at once start exactly one agent", async () => {
    const f = await agentFixture();
    await ensureInstance(f.settings); // keep the children short: the instance exists
    const results = await Promise.all([applyInOtherProcess(f.settings, true, 1), applyInOtherProcess(f.settings, true, 2)]);
    expect(results.map((r) => r.status)).toEqual(["applied", "applied"]);
    expect(results[0]!.pid).toBe(results[1]!.pid);
    expect(f.agentPids()).toEqual([results[0]!.pid]);
    // It outlived both processes (detached), and a driver here adopts it.
    const d = driverFor(f);
    expect(await d.observe()).toMatchObject({ state: "running", pid: results[0]!.pid });
  });

  it("a port change in the settings restarts the agent on the new ports (instance config follows settings)", async () => {
    const f = await agentFixture();
    const d1 = driverFor(f);
    const first = await d1.apply(crowdsecIntent(true, 1), never);
    if (first.status !== "applied") throw new Error("start failed");
    d1.close();
    const moved = { ...f.settings, lapiPort: await freePort() };
    const d2 = driverFor(f, moved);
    const r = await d2.apply(crowdsecIntent(true, 2), never);
    expect(r).toMatchObject({ status: "applied", observation: { state: "running" } });
    if (r.status === "applied") expect(r.observation.pid).not.toBe(first.observation.pid);
    expect(f.agentPids()).toHaveLength(1);
    expect((await probeLapi(moved)).ok).toBe(true);
    expect((await probeLapi(f.settings, 300)).ok).toBe(false);
    expect(readFileSync(instancePaths(f.settings).config, "utf8")).toContain(`127.0.0.1:${moved.lapiPort}`);
  });

  it("external mode: never starts or stops anything; applied when the LAPI answers, failed when not", async () => {
    const lapi = await agentFixture();
    await ensureInstance(lapi.settings);
    const { pid: externalPid } = await startAgent(lapi.settings);
    const url = `http://127.0.0.1:${lapi.settings.lapiPort}`;

    const f = await agentFixture();
    const d = driverFor(f);
    const ok = await d.apply(crowdsecIntent(true, 1, "external", url), never);
    expect(ok).toMatchObject({ status: "applied", observation: { state: "external", details: { reachable: true, lapiUrl: url } } });
    if (ok.status === "applied") expect(ok.observation.summary).toMatch(/^Using the external Local API at .*: reachable \([\d.]+ ms\)\.$/);
    expect(f.agentPids()).toEqual([]);

    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const bad = await d.apply(crowdsecIntent(true, 2, "external", deadUrl), never);
    expect(bad).toMatchObject({ status: "failed", error: expect.stringContaining(`The external Local API at ${deadUrl} is not reachable`) });
    expect(await d.observe()).toMatchObject({ state: "external", details: { reachable: false } });

    expect(await d.apply(crowdsecIntent(false, 3, "external", url), never)).toMatchObject({ status: "applied" });
    expect(f.agentPids()).toEqual([]);
    // The other instance's agent was never touched.
    expect(isAlive(externalPid)).toBe(true);
  });
});
