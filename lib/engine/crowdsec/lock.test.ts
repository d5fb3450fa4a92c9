import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../log";
import { lockHolder, withInstanceLock } from "./lock";
import { readStat } from "./proc";
import { crowdsecSettingsFrom, instancePaths } from "./settings";
import { PROJECT_ROOT, waitFor } from "../../../test/support/crowdsec";

const dirs: string[] = [];
function settings() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "warden-lock-"));
  dirs.push(dir);
  return crowdsecSettingsFrom({ instanceDir: dir });
}
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

describe("withInstanceLock", () => {
  it("serialises holders in one process, and releases after a throw", async () => {
    const s = settings();
    const events: string[] = [];
    const holder = (name: string, ms: number, fail = false) =>
      withInstanceLock(
        s,
        async () => {
          events.push(`${name}:in`);
          await sleep(ms);
          events.push(`${name}:out`);
          if (fail) throw new Error(`${name} failed`);
          return name;
        },
        { holder: name },
      );
    const results = await Promise.allSettled([holder("a", 150, true), holder("b", 50), holder("c", 50)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    // Never two inside at once.
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]!.endsWith(":in")).toBe(true);
      expect(events[i + 1]).toBe(events[i]!.replace(":in", ":out"));
    }
    expect(existsSync(instancePaths(s).lockFile)).toBe(false);
  });

  it("writes who holds it", async () => {
    const s = settings();
    await withInstanceLock(
      s,
      async () => {
        const content = lockHolder(s)!;
        expect(content.pid).toBe(process.pid);
        expect(content.holder).toBe("test holder");
        expect(Date.parse(content.at)).not.toBeNaN();
      },
      { holder: "test holder" },
    );
    expect(lockHolder(s)).toBeNull();
  });

  it("takes over a lock whose holder is dead, with a WARN", async () => {
    const s = settings();
    const warn = vi.spyOn(log, "warn");
    const pid = await deadPid();
    writeFileSync(instancePaths(s).lockFile, JSON.stringify({ pid, holder: "crashed panel", at: new Date().toISOString(), start: null, nonce: "x" }));
    const got = await withInstanceLock(s, async () => "mine", { holder: "next", timeoutMs: 1000 });
    expect(got).toBe("mine");
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "crowdsec.lock.stale" }), expect.any(String));
    expect(JSON.stringify(warn.mock.calls[0]![0])).toContain(`pid ${pid}`);
  });

  it("only one process breaks a stale lock at a time: a fresh break marker makes others wait; one left by a dead breaker expires", async () => {
    const s = settings();
    const { lockFile } = instancePaths(s);
    const pid = await deadPid();
    writeFileSync(lockFile, JSON.stringify({ pid, holder: "crashed panel", at: new Date().toISOString(), start: null, nonce: "x" }));
    writeFileSync(`${lockFile}.break`, "");
    // Another breaker is at work: this one does not touch the lock and times out waiting.
    await expect(withInstanceLock(s, async () => "mine", { holder: "next", timeoutMs: 300 })).rejects.toMatchObject({ code: "ENGINE" });
    expect(existsSync(lockFile)).toBe(true);
    // The breaker died 11 s ago: its marker expires, the stale lock is broken, the lock is taken.
    const { utimesSync } = await import("node:fs");
    const old = Date.now() / 1000 - 11;
    utimesSync(`${lockFile}.break`, old, old);
    const warn = vi.spyOn(log, "warn");
    expect(await withInstanceLock(s, async () => "mine", { holder: "next", timeoutMs: 1000 })).toBe("mine");
    expect(warn.mock.calls.map(([f]) => (f as { event: string }).event)).toEqual(["crowdsec.lock.break_stale", "crowdsec.lock.stale"]);
    expect(existsSync(`${lockFile}.break`)).toBe(false);
  });

  it("takes over a lock whose pid now belongs to another process (reused pid)", async () => {
    const s = settings();
    const start = readStat(process.pid)!.starttime;
    writeFileSync(instancePaths(s).lockFile, JSON.stringify({ pid: process.pid, holder: "old", at: "", start: start - 1, nonce: "x" }));
    await expect(withInstanceLock(s, async () => "ok", { holder: "next", timeoutMs: 500 })).resolves.toBe("ok");
  });

  it("times out on a live holder with an ENGINE error naming it", async () => {
    const s = settings();
    const start = readStat(process.pid)!.starttime;
    writeFileSync(instancePaths(s).lockFile, JSON.stringify({ pid: process.pid, holder: "cli reconcile", at: "2026-01-01T00:00:00.000Z", start, nonce: "x" }));
    const t0 = Date.now();
    const error = await withInstanceLock(s, async () => "never", { holder: "panel", timeoutMs: 300 }).catch((e) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(error).toMatchObject({ code: "ENGINE" });
    expect(error.message).toContain("cli reconcile");
    expect(error.message).toContain(`pid ${process.pid}`);
    // The holder's lock is left alone.
    expect(JSON.parse(readFileSync(instancePaths(s).lockFile, "utf8")).holder).toBe("cli reconcile");
  });

  it("stops waiting when aborted", async () => {
    const s = settings();
    const start = readStat(process.pid)!.starttime;
    writeFileSync(instancePaths(s).lockFile, JSON.stringify({ pid: process.pid, holder: "busy", at: "", start, nonce: "x" }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(withInstanceLock(s, async () => 1, { holder: "p", signal: ac.signal })).rejects.toMatchObject({ code: "ENGINE" });
  });

  it("excludes another process: it waits until the other releases", async () => {
    const s = settings();
    const script = `
      import { withInstanceLock } from "./lib/engine/crowdsec/lock.ts";
      const s = JSON.parse(process.argv[1]);
      await withInstanceLock(s, async () => { console.log("locked"); await new Promise(r => setTimeout(r, 800)); }, { holder: "other process" });
      console.log("released");
    `;
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "--input-type=module", "-e", script, JSON.stringify(s)], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((r) => child.on("exit", r));
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await waitFor(() => out.includes("locked"), 15_000, "the other process to take the lock");
    expect(lockHolder(s)?.holder).toBe("other process");
    const t0 = Date.now();
    await withInstanceLock(
      s,
      async () => {
        expect(out).toContain("released");
      },
      { holder: "this process", timeoutMs: 10_000 },
    );
    expect(Date.now() - t0).toBeGreaterThan(300);
    await exited;
  });
});
