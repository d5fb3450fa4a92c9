import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../log";
import { lockHolder, withInstanceLock } from "./instance-lock";
import { readStat } from "../proc";
import { crowdsecSettingsFrom, instancePaths } from "./settings";
import { PROJECT_ROOT } from "../../../test/support/crowdsec";
import { deferred, waitFor } from "../../../test/support/wait";

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

async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

describe("withInstanceLock", () => {
  it("serialises holders in one process, and releases after a throw", async () => {
    const s = settings();
    const events: string[] = [];
    const leave = { a: deferred(), b: deferred(), c: deferred() };
    const holder = (name: keyof typeof leave, fail = false) =>
      withInstanceLock(
        s,
        async () => {
          events.push(`${name}:in`);
          await leave[name].promise;
          events.push(`${name}:out`);
          if (fail) throw new Error(`${name} failed`);
          return name;
        },
        { holder: name },
      );
    // Each first tries for the lock as it is called: b and c find it held by a.
    const all = Promise.allSettled([holder("a", true), holder("b"), holder("c")]);
    expect(events).toEqual(["a:in"]);
    expect(lockHolder(s)?.holder).toBe("a");
    // Each holder leaves only once it is alone inside; the next one in is the lock file's holder.
    for (let turn = 1; turn <= 3; turn++) {
      const inside = await waitFor(() => events.length === 2 * turn - 1 && events.at(-1)!.replace(":in", ""), 10_000, `holder ${turn} to enter`);
      expect(lockHolder(s)?.holder).toBe(inside);
      leave[inside as keyof typeof leave].resolve();
    }
    const results = await all;
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
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "lock.stale" }), expect.any(String));
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
    expect(warn.mock.calls.map(([f]) => (f as { event: string }).event)).toEqual(["lock.break_stale", "lock.stale"]);
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
    // Its first try found the lock held as it was called: it is waiting when the abort comes.
    const waiting = withInstanceLock(s, async () => 1, { holder: "p", signal: ac.signal });
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: "ENGINE", message: expect.stringContaining("cancelled") });
  });

  it("excludes another process: it waits until the other releases", async () => {
    const s = settings();
    // The other process holds the lock until told to release it (a line on its stdin).
    const script = `
      import { once } from "node:events";
      import { withInstanceLock } from "./lib/engine/crowdsec/instance-lock.ts";
      const s = JSON.parse(process.argv[1]);
      await withInstanceLock(s, async () => { console.log("locked"); await once(process.stdin, "data"); process.stdin.destroy(); }, { holder: "other process" });
      console.log("released");
    `;
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "--input-type=module", "-e", script, JSON.stringify(s)], {
      cwd: PROJECT_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    const exited = new Promise((r) => child.on("exit", r));
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await waitFor(() => out.includes("locked"), 15_000, "the other process to take the lock");
    expect(lockHolder(s)?.holder).toBe("other process");
    let releaseSent = false;
    let entered = false;
    const mine = withInstanceLock(
      s,
      async () => {
        entered = true;
        expect(releaseSent).toBe(true);
        expect(lockHolder(s)?.holder).toBe("this process");
      },
      { holder: "this process", timeoutMs: 10_000 },
    );
    // Its first try, as it was called, found the other process's lock.
    expect(entered).toBe(false);
    releaseSent = true;
    child.stdin.write("release\n");
    await mine;
    expect(entered).toBe(true);
    await exited;
    expect(out).toContain("released");
  });
});
