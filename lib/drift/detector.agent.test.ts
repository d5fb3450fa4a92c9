import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db";
import { changeAndApply } from "../engine/changes";
import { instancePaths } from "../engine/crowdsec/settings";
import { createEngine, type Engine } from "../engine/engine";
import { listScenarioIntents, setScenarioIntent } from "../security/scenario-intent";
import { readIntent } from "../security/intent-store";
import { cleanupTempDirs, freshSqliteUrl, tempDir } from "../../test/support/databases";
import { agentFixture, cleanupAllFixtures, waitFor, type AgentFixture } from "../../test/support/crowdsec";
import { applyAll } from "../engine/apply-all";
import { reconcile } from "../reconcile/reconciler";
import { DriftDetector } from "./detector";
import type { DriftSettings } from "./drift-settings";
import type { Surface } from "./drift-report";

// Drift detection against a REAL CrowdSec instance and agent (docs/decisions/007):
// the detector reads the runtime's files and the agent, never the clicks.

const ADMIN = { actor: "admin" };
const SCENARIO = "crowdsecurity/ssh-bf";
const open: { engine: Engine; detector: DriftDetector; db: Db }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    o.detector.stop();
    o.engine.close();
    await o.db.$disconnect();
  }
  await cleanupAllFixtures();
});
afterAll(() => cleanupTempDirs());

interface Setup {
  fx: AgentFixture;
  db: Db;
  engine: Engine;
  detector: DriftDetector;
  settings: DriftSettings;
  tuningFile: string;
}

async function setup(drift: Partial<DriftSettings> = {}): Promise<Setup> {
  const fx = await agentFixture({ selfHeal: false });
  const db = createDb(await freshSqliteUrl());
  const tuningFile = path.join(tempDir("warden-waf-"), "crs-tuning.conf");
  const engine = createEngine(db, { crowdsec: fx.settings, waf: { tuningFile } });
  engine.supervisor.start();
  // CrowdSec on: the instance is created (its default scenarios enabled) and the agent runs.
  await changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: true, expectedVersion: (await readIntent(db)).crowdsec.version }, ADMIN);
  // What boot does: the reconciler drives every protection (the WAF's tuning file is rendered).
  await reconcile(db, engine, "boot");
  const settings: DriftSettings = { intervalMs: 3_600_000, engineIntervalMs: 3_600_000, watch: true, debounceMs: 50, ...drift };
  const detector = new DriftDetector({ db, engine, settings });
  open.push({ engine, detector, db });
  await detector.start();
  return { fx, db, engine, detector, settings, tuningFile };
}

const verdict = (d: DriftDetector, s: Surface) => d.report().surfaces[s];
const scenariosDir = (fx: AgentFixture) => path.join(instancePaths(fx.settings).etc, "scenarios");
const linkOf = (fx: AgentFixture) => path.join(scenariosDir(fx), "ssh-bf.yaml");

async function disableInPanel(db: Db, name = SCENARIO): Promise<void> {
  const row = (await listScenarioIntents(db)).find((r) => r.name === name);
  await setScenarioIntent(db, { name, enabled: false, expectedVersion: row?.version ?? 0 }, ADMIN, new Set([name]));
}

async function waitVerdict(d: DriftDetector, s: Surface, want: string, ms: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    () => verdict(d, s).verdict === want,
    ms,
    `${s} to be ${want} (is ${verdict(d, s).verdict}: ${JSON.stringify(verdict(d, s).differences.slice(0, 3))} ${verdict(d, s).reason ?? ""})`,
    10,
  );
  return Date.now() - t0;
}

describe("scenarios and appsec against a real instance", () => {
  it("first init adopts the runtime's enabled set; disable in the panel → drift within 1 s; apply → link gone, agent reloaded, in sync", async () => {
    const { fx, db, detector, engine } = await setup();
    expect(verdict(detector, "scenarios").verdict).toBe("in_sync");
    expect(verdict(detector, "appsec").verdict).toBe("in_sync"); // the boot reconcile rendered the tuning file
    const adopted = await listScenarioIntents(db);
    expect(adopted.length).toBeGreaterThan(10);
    expect(adopted.find((r) => r.name === SCENARIO)).toMatchObject({ enabled: true, changedBy: "system" });

    await disableInPanel(db);
    expect(await waitVerdict(detector, "scenarios", "drift", 1_000)).toBeLessThan(1_000);
    expect(verdict(detector, "scenarios").differences).toEqual([{ item: `scenario ${SCENARIO}`, expected: "disabled", actual: "enabled" }]);
    expect(existsSync(linkOf(fx))).toBe(true); // intent only: the runtime follows on Apply

    const report = await applyAll(engine, db, ADMIN);
    expect(report.scenarios.disabled).toEqual([SCENARIO]);
    expect(report.reload).toMatchObject({ reloaded: true, scenariosLoaded: expect.any(Number) });
    expect(existsSync(linkOf(fx))).toBe(false);
    await waitVerdict(detector, "scenarios", "in_sync", 2_000);
    const audit = await db.securityAudit.findFirst({ where: { action: "apply_runtime" } });
    expect(audit).toMatchObject({ actor: "admin", outcome: "applied" });
  });

  it("a scenario the panel disabled, re-enabled by hand (link recreated) → drift within 1 s, by the file watch alone (ticker at 1 h)", async () => {
    const { fx, db, detector, engine } = await setup();
    const target = readlinkSync(linkOf(fx));
    await disableInPanel(db);
    await applyAll(engine, db, ADMIN);
    await waitVerdict(detector, "scenarios", "in_sync", 2_000);
    const checks = detector.checks;
    symlinkSync(target, linkOf(fx));
    expect(await waitVerdict(detector, "scenarios", "drift", 1_000)).toBeLessThan(1_000);
    expect(detector.checks).toBeGreaterThan(checks);
  });

  it("with the watch disabled, the ticker finds the same drift", async () => {
    const { fx, detector } = await setup({ watch: false, intervalMs: 300 });
    rmSync(linkOf(fx));
    await waitVerdict(detector, "scenarios", "drift", 2_000);
    expect(verdict(detector, "scenarios").differences).toEqual([{ item: `scenario ${SCENARIO}`, expected: "enabled", actual: "disabled" }]);
  });

  it("the runtime's scenario directory deleted → cannot verify with the reason, never 'no drift'", async () => {
    const { fx, detector } = await setup();
    rmSync(scenariosDir(fx), { recursive: true, force: true });
    await waitVerdict(detector, "scenarios", "cannot_verify", 2_000);
    expect(verdict(detector, "scenarios").reason).toContain(scenariosDir(fx));
    expect(detector.report().cannotVerify).toBe(true);
  });

  it("a WAF settings change renders the tuning file at once (no drift); the file edited behind the panel → appsec drift naming the threshold, until Apply", async () => {
    const { db, detector, engine, tuningFile } = await setup();
    await changeAndApply(
      engine,
      db,
      "update",
      { protection: "waf", changes: { inboundThreshold: 10 }, expectedVersion: (await readIntent(db)).waf.version },
      ADMIN,
    );
    expect(readFileSync(tuningFile, "utf8")).toContain("tx.inbound_anomaly_score_threshold=10");
    await detector.request(["appsec"]);
    expect(verdict(detector, "appsec").verdict).toBe("in_sync");
    // By hand, with a comment and the setvars reordered: the file watch sees it, the parser reads it.
    writeFileSync(
      tuningFile,
      `# edited by hand\nSecRuleEngine DetectionOnly\nSecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.blocking_paranoia_level=1"\nSecAction "id:900110,phase:1,nolog,pass,t:none,setvar:tx.outbound_anomaly_score_threshold=4,setvar:tx.inbound_anomaly_score_threshold=7"\n`,
    );
    await waitVerdict(detector, "appsec", "drift", 1_000);
    expect(verdict(detector, "appsec").differences).toEqual([{ item: "inbound threshold", expected: "10", actual: "7" }]);
    const report = await applyAll(engine, db, ADMIN);
    expect(report.tuningFile).toEqual({ path: tuningFile, written: true });
    await waitVerdict(detector, "appsec", "in_sync", 2_000);
  });
});

describe("engine and store", () => {
  it("the agent stopped by hand with self-heal off → engine drift", async () => {
    const { fx, detector } = await setup({ engineIntervalMs: 500 });
    expect(verdict(detector, "engine").verdict).toBe("in_sync");
    for (const pid of fx.agentPids()) process.kill(pid, "SIGKILL");
    await waitVerdict(detector, "engine", "drift", 3_000);
    expect(verdict(detector, "engine").differences[0]).toMatchObject({ item: "CrowdSec", expected: "wanted on" });
  });

  it("self-heal on: a killed agent shows as engine drift, then the drift clears when the agent is back", async () => {
    const fx = await agentFixture({ selfHeal: true, selfHealBackoffMs: 1_000 });
    const db = createDb(await freshSqliteUrl());
    const engine = createEngine(db, { crowdsec: fx.settings });
    engine.supervisor.start();
    await changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: true, expectedVersion: (await readIntent(db)).crowdsec.version }, ADMIN);
    const settings: DriftSettings = { intervalMs: 3_600_000, engineIntervalMs: 3_600_000, watch: false, debounceMs: 20 };
    const detector = new DriftDetector({ db, engine, settings });
    open.push({ engine, detector, db });
    await detector.start();
    expect(verdict(detector, "engine").verdict).toBe("in_sync");
    const [pid] = fx.agentPids();
    process.kill(pid!, "SIGKILL");
    // The exit event triggers a check before the first restart attempt (1 s backoff).
    await waitVerdict(detector, "engine", "drift", 1_000);
    await waitVerdict(detector, "engine", "in_sync", 15_000);
    expect(fx.agentPids()).toHaveLength(1);
    expect(fx.agentPids()[0]).not.toBe(pid);
  });

  it("a security.* settings row edited behind the panel's back → store drift naming the key; snapshots persist and keep `since` across a restart", async () => {
    const { db, detector, engine, settings } = await setup({ intervalMs: 300 });
    await db.setting.update({ where: { key: "security.waf.mode" }, data: { value: "block" } });
    await waitVerdict(detector, "store", "drift", 2_000);
    expect(verdict(detector, "store").differences.map((d) => d.item)).toContain("security.waf.mode");
    const since = verdict(detector, "store").since;
    const rows = await db.driftSnapshot.findMany();
    expect(rows.map((r) => r.surface).sort()).toEqual(["appsec", "blocklist", "edge", "engine", "scenarios", "store"]);
    detector.stop();
    const again = new DriftDetector({ db, engine, settings });
    open.push({ engine, detector: again, db });
    await again.start();
    expect(verdict(again, "store")).toMatchObject({ verdict: "drift", since });
  });
});

it("scenario files on disk are what the instance created: symlinks into its own hub", async () => {
  const fx = await agentFixture();
  const { ensureInstance } = await import("../engine/crowdsec/instance");
  await ensureInstance(fx.settings);
  const entries = readdirSync(scenariosDir(fx));
  expect(entries.length).toBeGreaterThan(10);
  expect(readlinkSync(path.join(scenariosDir(fx), entries[0]!))).toContain(instancePaths(fx.settings).hub);
});
