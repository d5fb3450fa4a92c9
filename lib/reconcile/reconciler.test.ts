import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "../db";
import { createEngine, type Engine } from "../engine/engine";
import { DEFAULT_CROWDSEC_SETTINGS } from "../engine/crowdsec/settings";
import { log } from "../log";
import { readIntent, toggleProtection } from "../security/intent-store";
import { cleanupTempDirs, freshSqliteUrl } from "../../test/support/databases";
import { FakeCrowdsecDriver } from "../../test/support/fake-driver";
import { auditRows } from "../../test/support/store-state";
import { reconcile } from "./reconciler";

// After a restart the runtime follows the intent, whatever the panel finds (docs/decisions/005: a
// switch never shows on while the engine is off), over a real SQLite file. The runtime is
// FakeCrowdsecDriver (named fake); lib/engine/engine.agent.test.ts repeats the restart cases with a
// real agent.

let db: Db;
let fake: FakeCrowdsecDriver;
let engine: Engine;

beforeEach(async () => {
  db = createDb(await freshSqliteUrl());
  fake = new FakeCrowdsecDriver();
  engine = createEngine(db, { drivers: { crowdsec: fake }, crowdsec: { ...DEFAULT_CROWDSEC_SETTINGS, instanceDir: "/nonexistent" } });
});
afterEach(async () => {
  engine.close();
  await db.$disconnect();
  vi.restoreAllMocks();
});
afterAll(() => cleanupTempDirs());

const crowdsec = (tally: Awaited<ReturnType<typeof reconcile>>) => tally.decisions.find((d) => d.protection === "crowdsec")!;

async function turnOn(): Promise<void> {
  const v = (await readIntent(db)).crowdsec.version;
  await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: v }, { actor: "admin" });
}

describe("after a restart the runtime follows the intent", () => {
  it("fresh install: config created from defaults, nothing started", async () => {
    const info = vi.spyOn(log, "info");
    const tally = await reconcile(db, engine, "boot");
    expect(crowdsec(tally)).toMatchObject({ desired: "stopped", observed: "stopped", action: "none", result: "ok" });
    expect(fake.applied).toEqual([]);
    expect((await auditRows(db)).map((r) => r.action)).toEqual(["initialize"]);
    // One INFO line per decision with the structured fields.
    const lines = info.mock.calls.filter(([f]) => (f as { event?: string }).event === "reconcile_decision");
    expect(lines).toHaveLength(3);
    expect(lines[0]![0]).toMatchObject({ source: "boot", protection: "crowdsec", desired: "stopped", observed: "stopped", action: "none", result: "ok" });
  });

  it("on → restart with the agent alive: adopted, not started twice", async () => {
    await turnOn();
    fake.running = true;
    const pid = fake.pid;
    const tally = await reconcile(db, engine, "boot");
    expect(crowdsec(tally)).toMatchObject({ desired: "running", observed: "running", action: "adopt", result: "ok", pid });
    expect(fake.pid).toBe(pid);
  });

  it("on → restart with the agent gone (e.g. the panel was killed between commit and apply): started", async () => {
    await turnOn();
    const tally = await reconcile(db, engine, "boot");
    expect(crowdsec(tally)).toMatchObject({ desired: "running", observed: "stopped", action: "start", result: "ok" });
    expect(fake.running).toBe(true);
  });

  it("legacy database with only the settings mirror saying CrowdSec is on: config recovered from the mirror, agent started", async () => {
    await db.securityConfig.deleteMany();
    await db.securityAudit.deleteMany();
    await db.setting.deleteMany();
    await db.setting.create({ data: { key: "security.crowdsec.enabled", value: "true", type: "boolean", category: "security" } });
    const tally = await reconcile(db, engine, "boot");
    expect(crowdsec(tally)).toMatchObject({ desired: "running", action: "start", result: "ok" });
    expect(fake.running).toBe(true);
    expect((await auditRows(db)).map((r) => [r.action, r.actor])).toEqual([["recover", "system"]]);
  });

  it("off → restart: stays stopped", async () => {
    await turnOn();
    await toggleProtection(db, { protection: "crowdsec", on: false, expectedVersion: (await readIntent(db)).crowdsec.version }, { actor: "admin" });
    const tally = await reconcile(db, engine, "boot");
    expect(crowdsec(tally)).toMatchObject({ desired: "stopped", observed: "stopped", action: "none" });
    expect(fake.running).toBe(false);
  });

  it("config row deleted while the mirror says on: recovered from the mirror, agent started", async () => {
    await turnOn();
    await db.securityConfig.deleteMany();
    const tally = await reconcile(db, engine, "boot");
    expect(crowdsec(tally)).toMatchObject({ desired: "running", action: "start", result: "ok" });
    expect((await readIntent(db)).crowdsec.enabled).toBe(true);
    expect((await auditRows(db)).at(-1)).toMatchObject({ action: "recover" });
  });
});

describe("failures are decisions, never silence", () => {
  it("a start that fails is counted and logged at WARN; the intent is not rolled back at boot", async () => {
    await turnOn();
    fake.failures.push("CrowdSec exited during start (code 1)");
    const warn = vi.spyOn(log, "warn");
    const tally = await reconcile(db, engine, "boot");
    expect(tally.failed).toBe(1);
    expect(crowdsec(tally)).toMatchObject({ action: "start", result: "failed", reason: "CrowdSec exited during start (code 1)" });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "reconcile_decision", result: "failed" }), expect.any(String));
    expect((await readIntent(db)).crowdsec.enabled).toBe(true);
  });

  it("intent on but the package is missing: WARN, counted as failed, nothing attempted", async () => {
    await turnOn();
    fake.installed = false;
    const warn = vi.spyOn(log, "warn");
    const tally = await reconcile(db, engine, "cli");
    expect(crowdsec(tally)).toMatchObject({ observed: "not_installed", action: "skip", result: "not_installed" });
    expect(tally.failed).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "reconcile_decision", source: "cli", result: "not_installed" }), expect.any(String));
  });
});
