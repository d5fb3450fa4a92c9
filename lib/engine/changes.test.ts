import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "../db";
import { log } from "../log";
import { readIntent } from "../security/intent-store";
import { cleanupTempDirs, freshSqliteUrl } from "../../test/support/databases";
import { FakeCrowdsecDriver } from "../../test/support/fake-driver";
import { auditRows, healthyAt, storeInvariants } from "../../test/support/store-state";
import { waitFor } from "../../test/support/wait";
import { changeAndApply, RuntimeFailedError } from "./changes";
import { createEngine, observeAll, type Engine } from "./engine";
import { DEFAULT_CROWDSEC_SETTINGS } from "./crowdsec/settings";

// The click, end to end, over a real SQLite file: commit → apply → runtime result on the audit row →
// rollback when the change's own version fails. The runtime here is FakeCrowdsecDriver (a named
// fake: timing and failures chosen by the test); lib/engine/crowdsec/*.agent.test.ts and
// lib/engine/engine.agent.test.ts run the same flow with a real agent.

const ADMIN = { actor: "local-admin" };
let db: Db;
let fake: FakeCrowdsecDriver;
let engine: Engine;

function makeEngine(selfHeal = { selfHeal: true, selfHealMaxAttempts: 3, selfHealBackoffMs: 20 }) {
  engine = createEngine(db, { drivers: { crowdsec: fake }, crowdsec: { ...DEFAULT_CROWDSEC_SETTINGS, instanceDir: "/nonexistent", ...selfHeal } });
  engine.supervisor.start();
  return engine;
}

beforeEach(async () => {
  db = createDb(await freshSqliteUrl());
  fake = new FakeCrowdsecDriver();
  makeEngine();
});
afterEach(async () => {
  engine.close();
  await db.$disconnect();
  vi.restoreAllMocks();
});
afterAll(() => cleanupTempDirs());

async function version(): Promise<number> {
  return (await readIntent(db)).crowdsec.version;
}

const toggle = async (on: boolean) => changeAndApply(engine, db, "toggle", { protection: "crowdsec", on, expectedVersion: await version() }, ADMIN);

describe("a toggle drives the runtime and records what it did", () => {
  it("on: the runtime runs, a result row linked to the change says applied after N ms; the change row is never updated", async () => {
    const intent = await toggle(true);
    expect(intent.crowdsec.enabled).toBe(true);
    expect(fake.running).toBe(true);
    const [change, result] = (await auditRows(db)).slice(-2);
    expect(change).toMatchObject({ action: "toggle", outcome: "committed", protection: "crowdsec", runtimeResult: null, changeId: null });
    expect(result).toMatchObject({
      action: "runtime_result",
      outcome: "applied",
      protection: "crowdsec",
      actor: "system",
      changeId: change!.id,
      requestId: change!.requestId,
      configVersion: null,
    });
    expect(JSON.parse(result!.runtimeResult!)).toMatchObject({ status: "applied", version: intent.crowdsec.version, ms: expect.any(Number) });
    // The result row is not a commit: committed rows still equal the global version.
    expect(await storeInvariants(db)).toEqual(healthyAt(intent.version));
    expect((await observeAll(engine)).crowdsec.state).toBe("running");
  });

  it("a start failure rolls the intent back with the error and the log tail; versions stay contiguous", async () => {
    fake.failures.push("the Local API was not ready within 30 s");
    const error = await toggle(true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect((error as RuntimeFailedError).message).toBe("CrowdSec could not be started: the Local API was not ready within 30 s. The change was rolled back.");
    expect((error as RuntimeFailedError).logTail).toEqual(["fake log line 1", "fake log line 2"]);
    expect((await readIntent(db)).crowdsec.enabled).toBe(false);
    const rows = await auditRows(db);
    expect(rows.slice(-3).map((r) => [r.action, r.outcome, r.actor])).toEqual([
      ["toggle", "committed", "local-admin"],
      ["runtime_result", "failed", "system"],
      ["rollback", "rolled_back", "system"],
    ]);
    const [change, result, rollback] = rows.slice(-3);
    expect(result!.changeId).toBe(change!.id);
    expect(result!.error).toBe("the Local API was not ready within 30 s");
    expect(rollback!.error).toContain("the Local API was not ready within 30 s");
    const intent = await readIntent(db);
    expect(await storeInvariants(db)).toEqual(healthyAt(intent.version));
    expect(fake.running).toBe(false);
  });

  it("the package missing: the switch refuses, nothing is committed, a rejected audit row says why", async () => {
    fake.installed = false;
    const before = await readIntent(db);
    const error = await toggle(true).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe("NOT_INSTALLED");
    const after = await readIntent(db);
    expect(after).toEqual(before);
    expect((await auditRows(db)).at(-1)).toMatchObject({ outcome: "rejected", error: "CrowdSec is not installed on this machine (fake)." });
    expect(fake.applied).toEqual([]);
  });

  it("turning off a protection works even when the package is missing (preflight refuses only what cannot run)", async () => {
    await toggle(true);
    fake.installed = false;
    const intent = await toggle(false);
    expect(intent.crowdsec.enabled).toBe(false);
  });

  it("another protection's change is not refused because CrowdSec's package went missing", async () => {
    await toggle(true);
    fake.installed = false;
    const waf = (await readIntent(db)).waf;
    const intent = await changeAndApply(engine, db, "update", { protection: "waf", changes: { paranoia: 2 }, expectedVersion: waf.version }, ADMIN);
    expect(intent.waf.settings.paranoia).toBe(2);
  });

  it("bad input changes nothing and never reaches the runtime", async () => {
    const before = await readIntent(db);
    for (const input of [{ protection: "crowdsec", on: "yes", expectedVersion: 1 }, { protection: "nginx", on: true, expectedVersion: 1 }, null]) {
      await expect(changeAndApply(engine, db, "toggle", input, ADMIN)).rejects.toMatchObject({ code: "MALFORMED" });
    }
    expect(await readIntent(db)).toEqual(before);
    expect(fake.applied).toEqual([]);
  });
});

describe("coalescing and rollback only for the latest version", () => {
  it("20 toggles while the runtime is busy end with the runtime at the latest intent, in two applies", async () => {
    const slow = fake.hold();
    const base = await version();
    const results: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      const v = await version();
      results.push(changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: i % 2 === 0, expectedVersion: v }, ADMIN).catch((e: unknown) => e));
      // The next click comes once this one is committed (the switch shows it), never waiting for an apply.
      await waitFor(async () => (await version()) > v, 5_000, `click ${i + 1} to commit`);
      // The other 19 are committed while the first one's apply is under way.
      if (i === 0) await slow.started;
    }
    // A click from a second tab, based on a version the others replaced, is a conflict and changes nothing.
    await expect(changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: true, expectedVersion: base + 1 }, ADMIN)).rejects.toMatchObject({
      code: "CONFLICT",
    });
    slow.release();
    const outcomes = await Promise.all(results);
    expect(outcomes.filter((o) => o instanceof Error)).toEqual([]);
    const latest = await readIntent(db);
    expect(latest.crowdsec.version).toBe(base + 20);
    // The first click's apply, then one for the newest of the 19 that came during it.
    expect(fake.applied).toEqual([base + 1, base + 20]);
    expect(fake.running).toBe(latest.crowdsec.enabled);
  });

  it("a failed version that is no longer the latest is not rolled back: the newer one is applied", async () => {
    const slow = fake.hold();
    fake.failures.push("boom");
    const v = await version();
    const first = changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: true, expectedVersion: v }, ADMIN).catch((e: unknown) => e);
    await slow.started;
    // Committed while version v+1 is being applied (and about to fail).
    const second = changeAndApply(engine, db, "update", { protection: "crowdsec", changes: { lapiUrl: null }, expectedVersion: v + 1 }, ADMIN);
    await waitFor(async () => (await version()) === v + 2, 5_000, "the second change to commit");
    slow.release();
    const error = await first;
    expect((error as RuntimeFailedError).message).toContain("A newer change was made meanwhile, so it was not rolled back");
    await second;
    const intent = await readIntent(db);
    expect(intent.crowdsec.enabled).toBe(true);
    expect(fake.running).toBe(true);
    expect((await auditRows(db)).some((r) => r.outcome === "rolled_back")).toBe(false);
  });
});

describe("self-heal", () => {
  it("restarts an agent that died while the intent is on, logging each attempt", async () => {
    const warn = vi.spyOn(log, "warn");
    await toggle(true);
    fake.crash();
    await vi.waitFor(() => expect(fake.running).toBe(true), { timeout: 2_000 });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "self_heal_scheduled", attempt: 1 }), expect.any(String));
  });

  it("gives up after the configured number of failed attempts and says so on the card", async () => {
    await toggle(true);
    fake.failures.push("port 8180 is already in use", "port 8180 is already in use", "port 8180 is already in use");
    const error = vi.spyOn(log, "error");
    fake.crash();
    await vi.waitFor(() => expect(engine.supervisor.state.gaveUp).toBe(true), { timeout: 3_000 });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ event: "self_heal_gave_up", attempts: 3 }), expect.any(String));
    const card = (await observeAll(engine)).crowdsec;
    expect(card.state).toBe("stopped");
    expect(String(card.details?.selfHeal)).toMatch(/^gave up after 3 failed restart attempts: port 8180 is already in use/);
    // The intent is never rolled back by a failed restart.
    expect((await readIntent(db)).crowdsec.enabled).toBe(true);
    // A start by the admin re-arms it.
    await toggle(false);
    await toggle(true);
    expect(engine.supervisor.state.gaveUp).toBe(false);
  });

  it("off: a dead agent stays dead (engine drift) and the log says so at WARN", async () => {
    engine.close();
    makeEngine({ selfHeal: false, selfHealMaxAttempts: 3, selfHealBackoffMs: 20 });
    const warn = vi.spyOn(log, "warn");
    await toggle(true);
    fake.crash();
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "agent_exited", selfHeal: false }), expect.any(String)));
    // That WARN is the supervisor's decision: no restart is scheduled, now or later.
    expect(engine.supervisor.state.nextAttemptAt).toBeNull();
    expect(fake.running).toBe(false);
    expect((await observeAll(engine)).crowdsec.state).toBe("stopped");
  });
});
