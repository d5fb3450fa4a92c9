import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db";
import { listScenarioIntents, scenarioIntentMap, setScenarioIntent } from "../security/scenario-intent";
import { cleanupTempDirs, freshSqliteUrl, tempDir } from "../../test/support/databases";
import { applyAll } from "./apply-all";
import { crowdsecSettingsFrom, instancePaths, type CrowdsecRuntimeSettings } from "./crowdsec/settings";
import { createEngine, type Engine } from "./engine";

// Apply to runtime over a hand-built instance layout (hub files, links, local files; CrowdSec's
// intent is off and no agent runs, so nothing is started or reloaded): what the engine's drivers
// change on disk, and what they must never touch. lib/drift/detector.agent.test.ts and
// lib/engine/engine.agent.test.ts run it against a real agent (links removed, SIGHUP confirmed).

const ADMIN = { actor: "admin" };
let db: Db;
let s: CrowdsecRuntimeSettings;
let engine: Engine;
let tuningFile: string;
let scenarios: string;
let hub: string;

function hubItem(name: string): string {
  const [author, stem] = name.split("/") as [string, string];
  mkdirSync(path.join(hub, author), { recursive: true });
  const file = path.join(hub, author, `${stem}.yaml`);
  writeFileSync(file, `type: leaky\nname: ${name}\n`);
  return file;
}

beforeEach(async () => {
  db = createDb(await freshSqliteUrl());
  const dir = tempDir("warden-remediate-");
  s = crowdsecSettingsFrom({ instanceDir: path.join(dir, "crowdsec"), lapiPort: 18991, prometheusPort: 18992 });
  const p = instancePaths(s);
  scenarios = path.join(p.etc, "scenarios");
  hub = path.join(p.hub, "scenarios");
  mkdirSync(scenarios, { recursive: true });
  writeFileSync(p.marker, JSON.stringify({ format: 1, createdAt: new Date().toISOString(), items: 2 }));
  symlinkSync(hubItem("crowdsecurity/ssh-bf"), path.join(scenarios, "ssh-bf.yaml"));
  symlinkSync(hubItem("crowdsecurity/http-probing"), path.join(scenarios, "http-probing.yaml"));
  hubItem("crowdsecurity/http-xss");
  tuningFile = path.join(dir, "waf", "crs-tuning.conf");
  engine = createEngine(db, { crowdsec: s, waf: { tuningFile } });
});
afterEach(async () => {
  engine.close();
  await db.$disconnect();
});
afterAll(() => cleanupTempDirs());

describe("apply to runtime", () => {
  it("before any scenario intent exists, Apply adopts the runtime's set instead of disabling everything", async () => {
    const report = await applyAll(engine, db, ADMIN);
    expect(report.scenarios).toMatchObject({ enabled: [], disabled: [] });
    expect(readdirSync(scenarios).sort()).toEqual(["http-probing.yaml", "ssh-bf.yaml"]);
    expect([...(await scenarioIntentMap(db))].sort()).toEqual([
      ["crowdsecurity/http-probing", true],
      ["crowdsecurity/ssh-bf", true],
    ]);
    expect(readFileSync(tuningFile, "utf8")).toContain("tx.inbound_anomaly_score_threshold=5");
    expect(report.reload).toMatchObject({ reloaded: false, reason: expect.stringContaining("not running") });
  });

  it("removes links the intent disables, adds the ones it enables, and audits what it did", async () => {
    await applyAll(engine, db, ADMIN); // adoption
    const known = new Set(["crowdsecurity/ssh-bf", "crowdsecurity/http-xss"]);
    const version = (n: string) => listScenarioIntents(db).then((rows) => rows.find((r) => r.name === n)?.version ?? 0);
    await setScenarioIntent(db, { name: "crowdsecurity/ssh-bf", enabled: false, expectedVersion: await version("crowdsecurity/ssh-bf") }, ADMIN, known);
    await setScenarioIntent(db, { name: "crowdsecurity/http-xss", enabled: true, expectedVersion: 0 }, ADMIN, known);
    const report = await applyAll(engine, db, ADMIN);
    expect(report.scenarios).toMatchObject({ enabled: ["crowdsecurity/http-xss"], disabled: ["crowdsecurity/ssh-bf"] });
    expect(readdirSync(scenarios).sort()).toEqual(["http-probing.yaml", "http-xss.yaml"]);
    expect(lstatSync(path.join(scenarios, "http-xss.yaml")).isSymbolicLink()).toBe(true);
    const audits = await db.securityAudit.findMany({ where: { action: "apply_runtime" } });
    expect(audits.at(-1)).toMatchObject({ actor: "admin", outcome: "applied", configVersion: null });
  });

  it("never deletes an admin's local file: a local file holding a link's name is reported, a disabled one is moved aside without overwriting", async () => {
    writeFileSync(path.join(scenarios, "http-xss.yaml"), "type: leaky\nname: me/http-xss\n");
    writeFileSync(path.join(scenarios, "mine.yaml"), "type: leaky\nname: me/mine\n---\ntype: trigger\nname: me/mine-too\n");
    await applyAll(engine, db, ADMIN); // adoption: me/http-xss, me/mine, me/mine-too are enabled
    const known = new Set(["crowdsecurity/http-xss", "me/mine", "me/mine-too"]);
    await setScenarioIntent(db, { name: "crowdsecurity/http-xss", enabled: true, expectedVersion: 0 }, ADMIN, known);
    await setScenarioIntent(db, { name: "me/mine", enabled: false, expectedVersion: 1 }, ADMIN, known);
    let report = await applyAll(engine, db, ADMIN);
    expect(report.scenarios.collisions).toEqual([expect.stringContaining("crowdsecurity/http-xss")]);
    expect(readFileSync(path.join(scenarios, "http-xss.yaml"), "utf8")).toContain("me/http-xss");
    // me/mine-too still wants the shared file: it stays.
    expect(existsSync(path.join(scenarios, "mine.yaml"))).toBe(true);
    await setScenarioIntent(db, { name: "me/mine-too", enabled: false, expectedVersion: 1 }, ADMIN, known);
    const aside = path.join(instancePaths(s).etc, "scenarios.disabled-by-warden");
    mkdirSync(aside, { recursive: true });
    writeFileSync(path.join(aside, "mine.yaml"), "an older copy");
    report = await applyAll(engine, db, ADMIN);
    expect(report.scenarios.disabled).toEqual(["me/mine", "me/mine-too"]);
    expect(readFileSync(path.join(aside, "mine.yaml"), "utf8")).toBe("an older copy");
    expect(readFileSync(path.join(aside, "mine.yaml.1"), "utf8")).toContain("name: me/mine");
  });

  it("an unreadable runtime fails the apply with the reason and an audit row saying so", async () => {
    const { rmSync } = await import("node:fs");
    rmSync(scenarios, { recursive: true });
    await expect(applyAll(engine, db, ADMIN)).rejects.toMatchObject({ message: expect.stringContaining("Cannot apply scenarios") });
    expect(await db.securityAudit.findFirst({ where: { action: "apply_runtime" } })).toMatchObject({
      outcome: "failed",
      error: expect.stringContaining("Cannot apply scenarios"),
    });
  });
});
