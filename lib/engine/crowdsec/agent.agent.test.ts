import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readLogTail } from "./agent-log";
import { stopAgent } from "./agent-signals";
import { AgentStartError, startAgent } from "./agent-start";
import { probeLapi } from "./lapi-probe";
import { findRunningAgent, pidFileState, pidFileStatus, writePidFile } from "./pid-file";
import { NotInstalledError } from "./installed-package";
import { ensureInstance } from "./instance";
import { isAlive } from "../proc";
import { instancePaths } from "./settings";
import { agentFixture, cleanupAllFixtures, holdPort, waitFor } from "../../../test/support/crowdsec";

// startAgent / stopAgent against the real crowdsec 1.4.6 agent, one instance per test.

afterEach(async () => {
  vi.restoreAllMocks();
  await cleanupAllFixtures();
});

async function readyFixture(overrides = {}) {
  const f = await agentFixture(overrides);
  await ensureInstance(f.settings);
  return f;
}

describe("startAgent / stopAgent", () => {
  it("starts a detached agent, waits until it is loaded, and stops it with SIGTERM", async () => {
    const f = await readyFixture();
    const t0 = Date.now();
    const started = await startAgent(f.settings);
    const startMs = Date.now() - t0;
    expect(started.pid).toBeGreaterThan(0);
    expect(started.lapiReadyMs).toBeGreaterThan(0);
    expect(started.loadedMs).toBeGreaterThanOrEqual(started.lapiReadyMs);
    expect(started.version).toMatch(/^v1\.4\./);
    expect(f.agentPids()).toEqual([started.pid]);
    expect(readFileSync(instancePaths(f.settings).pidFile, "utf8").trim()).toBe(String(started.pid));
    expect(pidFileState(f.settings)).toBe("alive");
    expect(pidFileStatus(f.settings)).toEqual({ state: "alive", pid: started.pid });
    expect(findRunningAgent(f.settings)).toMatchObject({ pid: started.pid, source: "pid_file" });
    expect((await probeLapi(f.settings)).ok).toBe(true);
    // Detached: its own process group, not the test runner's.
    const stat = readFileSync(`/proc/${started.pid}/stat`, "utf8");
    const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    expect(pgrp).toBe(started.pid);

    const stop = await stopAgent(f.settings, started.pid);
    console.log(
      `[timing] start→LAPI ${started.lapiReadyMs} ms, start→loaded ${started.loadedMs} ms (startAgent ${startMs} ms), stop ${stop.ms} ms (${stop.how})`,
    );
    expect(stop.how).toBe("sigterm");
    expect(isAlive(started.pid)).toBe(false);
    expect(existsSync(instancePaths(f.settings).pidFile)).toBe(false);
    // A clean shutdown (its handler ran), not a raw kill.
    expect(readFileSync(instancePaths(f.settings).agentLog, "utf8")).toContain("SIGTERM received, shutting down");
    expect(f.agentPids()).toEqual([]);
    expect((await probeLapi(f.settings, 300)).ok).toBe(false);
  });

  it("binary missing: a clear NOT_INSTALLED error, nothing spawned", async () => {
    const f = await readyFixture();
    const s = { ...f.settings, bin: "/nonexistent/crowdsec" };
    const error = await startAgent(s).catch((e) => e);
    expect(error).toBeInstanceOf(NotInstalledError);
    expect(error.message).toContain("/nonexistent/crowdsec is missing");
    expect(error.message).toContain("scripts/install-crowdsec.sh");
    expect(f.agentPids()).toEqual([]);
    expect(existsSync(instancePaths(f.settings).pidFile)).toBe(false);
  });

  it("invalid config: fails with the reason in one sentence and the log tail, nothing left running", async () => {
    const f = await readyFixture();
    const p = instancePaths(f.settings);
    writeFileSync(p.config, readFileSync(p.config, "utf8").replace("common:\n", "common:\n  : : [broken\n"));
    const error = await startAgent(f.settings).catch((e) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    expect(error.code).toBe("RUNTIME_FAILED");
    expect(error.message).toMatch(/^CrowdSec exited during start \(code \d+\): /);
    expect(error.message).not.toContain("\n");
    expect(error.logTail.length).toBeGreaterThan(0);
    expect(error.logTail.length).toBeLessThanOrEqual(12);
    expect(f.agentPids()).toEqual([]);
    expect(existsSync(p.pidFile)).toBe(false);
  });

  it("port taken by another program: fails fast naming the port, nothing spawned", async () => {
    const f = await readyFixture();
    const held = await holdPort(f.settings.lapiPort);
    try {
      const outBefore = existsSync(instancePaths(f.settings).agentOut) ? readFileSync(instancePaths(f.settings).agentOut, "utf8") : "";
      const t0 = Date.now();
      const error = await startAgent(f.settings).catch((e) => e);
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(error).toBeInstanceOf(AgentStartError);
      expect(error.message).toBe(`CrowdSec cannot start: port 127.0.0.1:${f.settings.lapiPort} (Local API) is already in use by node (pid ${process.pid})`);
      expect(f.agentPids()).toEqual([]);
      const outAfter = existsSync(instancePaths(f.settings).agentOut) ? readFileSync(instancePaths(f.settings).agentOut, "utf8") : "";
      expect(outAfter).toBe(outBefore); // not even spawned
    } finally {
      await held.close();
    }
    const prom = await holdPort(f.settings.prometheusPort);
    try {
      const error = await startAgent(f.settings).catch((e) => e);
      expect(error.message).toContain(`port 127.0.0.1:${f.settings.prometheusPort} (Prometheus) is already in use`);
    } finally {
      await prom.close();
    }
  });

  it("LAPI never ready within the timeout: fails, kills what it started", async () => {
    const f = await readyFixture({ readyTimeoutMs: 150 });
    const error = await startAgent(f.settings).catch((e) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    expect(error.message).toMatch(/^(the Local API was not ready|CrowdSec did not finish loading) within 150 ms$/);
    expect(f.agentPids()).toEqual([]);
    expect(existsSync(instancePaths(f.settings).pidFile)).toBe(false);
  });

  it("a cancelled start kills what it started", async () => {
    const f = await readyFixture();
    const ac = new AbortController();
    const starting = startAgent(f.settings, { signal: ac.signal }).catch((e) => e);
    // Cancelled once its agent runs, long before that agent has loaded (which takes over a second).
    await waitFor(() => f.agentPids().length > 0, 10_000, "the agent to be spawned");
    ac.abort();
    const error = await starting;
    expect(error).toBeInstanceOf(AgentStartError);
    expect(error.message).toContain("cancelled");
    expect(f.agentPids()).toEqual([]);
  });

  it("an agent that hangs on stop (SIGSTOP) is SIGKILLed after the grace period", async () => {
    const f = await readyFixture({ stopGraceMs: 1_000 });
    const { pid } = await startAgent(f.settings);
    process.kill(pid, "SIGSTOP");
    const r = await stopAgent(f.settings, pid);
    expect(r.how).toBe("sigkill");
    expect(r.ms).toBeGreaterThanOrEqual(1_000);
    expect(r.ms).toBeLessThan(4_000);
    expect(isAlive(pid)).toBe(false);
    expect(f.agentPids()).toEqual([]);
    expect(existsSync(instancePaths(f.settings).pidFile)).toBe(false);
  });

  it("stopping an agent that is still loading waits until it handles SIGTERM (never a raw kill)", async () => {
    const f = await readyFixture();
    const p = instancePaths(f.settings);
    // A previous run leaves "loaded" lines in the log: they must not count for the new process.
    const first = await startAgent(f.settings);
    await stopAgent(f.settings, first.pid);
    // Started by someone else (an admin, a panel that died mid-start): no record of it being loaded.
    const child = spawn(f.settings.bin, ["-c", p.config, "-no-capi"], { detached: true, stdio: "ignore" });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    writePidFile(f.settings, child.pid!);
    await waitFor(() => f.agentPids().length === 1, 5_000, "the agent to run");
    const t0 = Date.now();
    const r = await stopAgent(f.settings, child.pid!);
    console.log(`[timing] stop of a still-loading agent: ${r.ms} ms (waited for loaded, then SIGTERM); first stop ${Date.now() - t0} ms`);
    expect(r.how).toBe("sigterm");
    expect(await exited).toBe(0); // its handler ran: exit 0, not 143 / killed by SIGTERM
    const log = readFileSync(p.agentLog, "utf8");
    expect(log.split("SIGTERM received, shutting down").length - 1).toBe(2);
  });

  it("refuses to start a second agent of the same instance", async () => {
    const f = await readyFixture();
    const { pid } = await startAgent(f.settings);
    await expect(startAgent(f.settings)).rejects.toMatchObject({ code: "ENGINE", message: expect.stringContaining(`pid ${pid}`) });
    expect(f.agentPids()).toEqual([pid]);
  });

  it("stale pid files: a dead pid is reported stale and never signalled; a stranger's pid is never killed", async () => {
    const f = await readyFixture();
    const dead = spawn("true");
    await new Promise((r) => dead.on("exit", r));
    writePidFile(f.settings, dead.pid!);
    expect(pidFileState(f.settings)).toBe("stale_dead");
    expect(pidFileStatus(f.settings)).toEqual({ state: "stale_dead", pid: dead.pid });
    expect(findRunningAgent(f.settings)).toBeNull();
    expect(await stopAgent(f.settings, dead.pid!)).toMatchObject({ how: "already_gone" });

    const stranger = spawn("sleep", ["60"], { stdio: "ignore" });
    // Every signal this process sends, so "never signalled" is checked where it would happen.
    const kill = vi.spyOn(process, "kill");
    const signalsToStranger = () => kill.mock.calls.filter(([target]) => Math.abs(target) === stranger.pid);
    try {
      writePidFile(f.settings, stranger.pid!);
      expect(pidFileState(f.settings)).toBe("stale_stranger");
      expect(pidFileStatus(f.settings)).toEqual({ state: "stale_stranger", pid: stranger.pid });
      expect(findRunningAgent(f.settings)).toBeNull();
      const error = await stopAgent(f.settings, stranger.pid!).catch((e) => e);
      expect(error).toMatchObject({ code: "ENGINE" });
      expect(error.message).toContain("not this instance's CrowdSec agent");
      expect(error.message).toContain("sleep 60");
      expect(signalsToStranger()).toEqual([]);
      expect(isAlive(stranger.pid!)).toBe(true);
      // A start is not fooled either: the stranger's pid is not an agent of this instance.
      const { pid } = await startAgent(f.settings);
      expect(pid).not.toBe(stranger.pid);
      expect(signalsToStranger()).toEqual([]);
      expect(isAlive(stranger.pid!)).toBe(true);
    } finally {
      stranger.kill("SIGKILL");
    }
  });

  it("reads the log tail of the agent", async () => {
    const f = await readyFixture();
    await startAgent(f.settings);
    const tail = readLogTail(f.settings, 5);
    expect(tail.length).toBe(5);
    expect(tail.join("\n")).toMatch(/Failed to notify|Starting processing data|starting crowdsec/);
  });
});
