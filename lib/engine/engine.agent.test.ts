import { spawn } from "node:child_process";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "../db";
import { log } from "../log";
import { reconcile } from "../reconcile/reconciler";
import { readIntent, toggleProtection } from "../security/intent-store";
import { cleanupTempDirs, freshSqliteUrl } from "../../test/support/databases";
import { agentFixture, cleanupAllFixtures, holdPort, PROJECT_ROOT, waitFor, type AgentFixture } from "../../test/support/crowdsec";
import { auditRows, healthyAt, storeInvariants } from "../../test/support/store-state";
import { applyAll } from "./apply-all";
import { changeAndApply, RuntimeFailedError } from "./changes";
import { cmdline } from "./proc";
import type { CrowdsecRuntimeSettings } from "./crowdsec/settings";
import { createEngine, observeAll, type Engine } from "./engine";

// The click and the boot, end to end with a REAL crowdsec agent (each test its own instance in a
// temp dir on free ports) and a real SQLite file: what an admin relies on.

const ADMIN = { actor: "admin" };
const engines: Engine[] = [];
const dbs: Db[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) e.close();
  await cleanupAllFixtures();
  for (const d of dbs.splice(0)) await d.$disconnect();
  vi.restoreAllMocks();
});
afterAll(() => cleanupTempDirs());

async function setup(overrides: Partial<CrowdsecRuntimeSettings> = {}) {
  const fx = await agentFixture({ selfHeal: false, ...overrides });
  const url = await freshSqliteUrl();
  const db = createDb(url);
  dbs.push(db);
  return { fx, url, db, engine: newEngine(db, fx) };
}

function newEngine(db: Db, fx: AgentFixture, overrides: Partial<CrowdsecRuntimeSettings> = {}): Engine {
  const engine = createEngine(db, { crowdsec: { ...fx.settings, ...overrides } });
  engine.supervisor.start();
  engines.push(engine);
  return engine;
}

const crowdsecVersion = async (db: Db) => (await readIntent(db)).crowdsec.version;
const toggle = async (engine: Engine, db: Db, on: boolean) =>
  changeAndApply(engine, db, "toggle", { protection: "crowdsec", on, expectedVersion: await crowdsecVersion(db) }, ADMIN);

describe("a click starts and stops the real agent", () => {
  it("on → one live crowdsec of this instance, observed running with LAPI ready; off → gone; a result row linked to each toggle carries the runtime result", async () => {
    const { fx, db, engine } = await setup();
    await toggle(engine, db, true);
    const [pid] = fx.agentPids();
    expect(fx.agentPids()).toHaveLength(1);
    expect(cmdline(pid!)).toEqual(expect.arrayContaining([expect.stringMatching(/crowdsec$/), "-c", `${fx.dir}/etc/config.yaml`]));
    const observed = (await observeAll(engine)).crowdsec;
    expect(observed).toMatchObject({ state: "running", pid, details: expect.objectContaining({ lapi: "ready" }) });

    await toggle(engine, db, false);
    expect(fx.agentPids()).toEqual([]);
    expect((await observeAll(engine)).crowdsec.state).toBe("stopped");
    const results = (await db.securityAudit.findMany({ where: { action: "runtime_result" }, orderBy: { id: "asc" } })).map((r) => JSON.parse(r.runtimeResult!));
    expect(results).toEqual([
      expect.objectContaining({ status: "applied", ms: expect.any(Number) }),
      expect.objectContaining({ status: "applied", ms: expect.any(Number) }),
    ]);
  });

  it("port taken by another program: the switch springs back, the error says why, nothing runs, audit says rolled_back", async () => {
    const { fx, db, engine } = await setup();
    const squatter = await holdPort(fx.settings.lapiPort);
    try {
      const error = (await toggle(engine, db, true).catch((e: unknown) => e)) as RuntimeFailedError;
      expect(error).toBeInstanceOf(RuntimeFailedError);
      expect(error.message).toMatch(new RegExp(`^CrowdSec could not be started: .*${fx.settings.lapiPort}.*The change was rolled back\\.$`));
      expect((await readIntent(db)).crowdsec.enabled).toBe(false);
      expect(fx.agentPids()).toEqual([]);
      const rows = await auditRows(db);
      expect(rows.at(-1)).toMatchObject({
        action: "rollback",
        outcome: "rolled_back",
        actor: "system",
        error: expect.stringContaining(String(fx.settings.lapiPort)),
      });
      expect(await storeInvariants(db)).toEqual(healthyAt((await readIntent(db)).version));
    } finally {
      await squatter.close();
    }
  });

  it("20 toggle requests while the agent starts and stops end at the latest intent with exactly one agent or none", async () => {
    const { fx, db, engine } = await setup();
    const applier = engine.appliers.crowdsec;
    // Requests do not wait for each other's apply (an API client, or several tabs): each is sent once
    // the one before is committed, alternating on/off. Requests 2-10 land while the first start runs,
    // 11-20 once it has ended, while what it coalesced is applied.
    const sent: Promise<unknown>[] = [];
    const started = Date.now();
    const base = await crowdsecVersion(db);
    let firstApply: number | null = null;
    for (let i = 0; i < 20; i++) {
      const before = await crowdsecVersion(db);
      let answered = false;
      sent.push(
        toggle(engine, db, i % 2 === 0)
          .catch((e: unknown) => e)
          .finally(() => (answered = true)),
      );
      await waitFor(async () => answered || (await crowdsecVersion(db)) > before, 10_000, `request ${i + 1} to be committed`);
      if (i === 0) firstApply = await waitFor(() => applier.inFlight, 10_000, "the first start to be under way");
      if (i === 9) await waitFor(() => applier.inFlight !== firstApply, 60_000, "the first start to end");
    }
    const all = await Promise.all(sent);
    // Each was based on the version before it, so none is a conflict; none failed.
    expect(all.filter((o) => o instanceof Error)).toEqual([]);
    expect(await crowdsecVersion(db)).toBe(base + 20);
    // Let a last coalesced apply finish, then compare.
    await engine.appliers.crowdsec.request(0);
    const intent = await readIntent(db);
    expect(fx.agentPids()).toHaveLength(intent.crowdsec.enabled ? 1 : 0);
    expect((await observeAll(engine)).crowdsec.state).toBe(intent.crowdsec.enabled ? "running" : "stopped");
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe("Apply to runtime goes through the same queue as a click", () => {
  it("a toggle and an Apply racing on a real agent: one agent at the end, the runtime at the latest intent, both audited", async () => {
    const { fx, db, engine } = await setup();
    // The instance exists (created by a first start), so Apply always has scenario links to read.
    await toggle(engine, db, true);
    await toggle(engine, db, false);
    const baseline = await db.securityAudit.count();
    // Every change of the CrowdSec runtime (the agent, its scenario links), timed: none may overlap another.
    const spans: { what: string; from: number; to: number }[] = [];
    const timed = (target: { apply: (...args: never[]) => Promise<unknown> }, what: string) => {
      const original = target.apply.bind(target) as (...args: unknown[]) => Promise<unknown>;
      vi.spyOn(target, "apply").mockImplementation((async (...args: unknown[]) => {
        const from = performance.now();
        try {
          return await original(...args);
        } finally {
          spans.push({ what, from, to: performance.now() });
        }
      }) as never);
    };
    timed(engine.drivers.crowdsec, "agent");
    timed(
      engine.runtimes.find((d) => d.surface === "scenarios")!,
      "scenario links",
    );

    // Off → on while an Apply runs: whichever enters the queue first, neither interleaves with the other.
    const [on, applied] = await Promise.all([toggle(engine, db, true), applyAll(engine, db, ADMIN)]);
    expect(on.crowdsec.enabled).toBe(true);
    expect(applied.errors).toEqual([]);
    expect(fx.agentPids()).toHaveLength(1);
    expect((await observeAll(engine)).crowdsec.state).toBe("running");

    // And the other way round: an Apply entered first, then a switch off.
    const applying = applyAll(engine, db, ADMIN);
    const off = toggle(engine, db, false);
    await Promise.all([applying, off]);
    expect((await readIntent(db)).crowdsec.enabled).toBe(false);
    expect(fx.agentPids()).toEqual([]);
    expect((await observeAll(engine)).crowdsec.state).toBe("stopped");

    const rows = (await db.securityAudit.findMany({ orderBy: { id: "asc" } })).slice(baseline);
    const toggles = rows.filter((r) => r.action === "toggle");
    const results = rows.filter((r) => r.action === "runtime_result");
    expect(results.map((r) => r.changeId)).toEqual(toggles.map((r) => r.id));
    expect(results.map((r) => JSON.parse(r.runtimeResult!).status)).toEqual(["applied", "applied"]);
    const applies = rows.filter((r) => r.action === "apply_runtime");
    expect(applies.map((r) => ({ actor: r.actor, outcome: r.outcome }))).toEqual([
      { actor: "admin", outcome: "applied" },
      { actor: "admin", outcome: "applied" },
    ]);
    expect(await storeInvariants(db)).toEqual(healthyAt((await readIntent(db)).version));
    spans.sort((a, b) => a.from - b.from);
    expect(spans.length).toBeGreaterThanOrEqual(6); // 2 toggles + 2 Applies × (agent, links)
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]!.from, `${spans[i]!.what} began before ${spans[i - 1]!.what} ended`).toBeGreaterThanOrEqual(spans[i - 1]!.to);
  });
});

describe("restarts and a second process", () => {
  it("the panel killed between committing and applying: the next boot applies the intent", async () => {
    const { fx, db } = await setup();
    // The commit happened; the process died before its applier ran.
    await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: await crowdsecVersion(db) }, ADMIN);
    expect(fx.agentPids()).toEqual([]);
    const tally = await reconcile(db, newEngine(db, fx), "boot");
    expect(tally.decisions[0]).toMatchObject({ protection: "crowdsec", desired: "running", observed: "stopped", action: "start", result: "ok" });
    expect(fx.agentPids()).toHaveLength(1);
  });

  it("the panel restarted while its agent runs: adopted, not started twice; the adopted agent's death is still seen", async () => {
    const { fx, db, engine } = await setup();
    await toggle(engine, db, true);
    const [pid] = fx.agentPids();
    engine.close();
    const info = vi.spyOn(log, "info");
    const second = newEngine(db, fx);
    const tally = await reconcile(db, second, "boot");
    expect(tally.decisions[0]).toMatchObject({ action: "adopt", result: "ok", pid });
    expect(fx.agentPids()).toEqual([pid]);
    expect(info).toHaveBeenCalledWith(expect.objectContaining({ event: "reconcile_decision", source: "boot", action: "adopt" }), expect.any(String));
    // Killed by hand: the pid probe of the adopted agent reports it (self-heal is off here).
    process.kill(pid!, "SIGKILL");
    await waitFor(async () => (await observeAll(second)).crowdsec.state !== "running", 2_000, "the card to stop saying running");
  });

  it("the CLI's reconcile while the panel applies: serialised by the lock, one agent", async () => {
    const { fx, url, db, engine } = await setup();
    await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: await crowdsecVersion(db) }, ADMIN);
    const panel = engine.appliers.crowdsec.request(0);
    const cli = runCli(["reconcile", "--json"], url, fx.settings);
    const [p, c] = await Promise.all([panel, cli]);
    expect(p.result.status).toBe("applied");
    expect(c.code).toBe(0);
    const tally = JSON.parse(c.stdout) as { decisions: { protection: string; result: string }[] };
    expect(tally.decisions.find((d) => d.protection === "crowdsec")).toMatchObject({ result: "ok" });
    expect(fx.agentPids()).toHaveLength(1);
  });
});

describe("the intent is read under the instance lock", () => {
  it("a process that read 'on' but got the lock after the intent became 'off' does not start the agent", async () => {
    const { fx, db } = await setup();
    const { CrowdsecDriver } = await import("./crowdsec/driver");
    await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: await crowdsecVersion(db) }, ADMIN);
    const stale = await readIntent(db); // on
    await toggleProtection(db, { protection: "crowdsec", on: false, expectedVersion: stale.crowdsec.version }, ADMIN);
    const other = new CrowdsecDriver(fx.settings);
    try {
      const result = await other.apply(stale, new AbortController().signal, () => readIntent(db));
      expect(result).toMatchObject({ status: "applied", version: stale.crowdsec.version + 1 });
      expect(fx.agentPids()).toEqual([]);
    } finally {
      other.close();
    }
  });

  it("switching to external mode stops the managed agent (it is ours) and probes the external LAPI", async () => {
    const { fx, db, engine } = await setup();
    await toggle(engine, db, true);
    expect(fx.agentPids()).toHaveLength(1);
    const http = await import("node:http");
    const lapi = http.createServer((req, res) => {
      res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
      res.end('{"status":"up"}');
    });
    await new Promise<void>((r) => lapi.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(lapi.address() as import("node:net").AddressInfo).port}`;
    try {
      const intent = await changeAndApply(
        engine,
        db,
        "update",
        { protection: "crowdsec", changes: { mode: "external", lapiUrl: url }, expectedVersion: await crowdsecVersion(db) },
        ADMIN,
      );
      expect(intent.crowdsec.settings.mode).toBe("external");
      expect(fx.agentPids()).toEqual([]);
      expect((await observeAll(engine)).crowdsec).toMatchObject({ state: "external", summary: expect.stringContaining("reachable") });
    } finally {
      await new Promise((r) => lapi.close(r));
    }
  });
});

describe("self-heal with a real agent", () => {
  it("on: an agent killed with SIGKILL is restarted, with a new pid", async () => {
    const { fx, db } = await setup();
    const engine = newEngine(db, fx, { selfHeal: true, selfHealBackoffMs: 100 });
    await toggle(engine, db, true);
    const [pid] = fx.agentPids();
    process.kill(pid!, "SIGKILL");
    const newPid = await waitFor(() => fx.agentPids().find((p) => p !== pid), 15_000, "a restarted agent");
    await waitFor(async () => (await observeAll(engine)).crowdsec.state === "running", 10_000, "running again");
    expect(fx.agentPids()).toEqual([newPid]);
  });

  it("off: the dead agent stays dead and the card says so within 2 s", async () => {
    const { fx, db, engine } = await setup();
    const exited = vi.spyOn(log, "warn");
    await toggle(engine, db, true);
    const [pid] = fx.agentPids();
    process.kill(pid!, "SIGKILL");
    const card = await waitFor(
      async () => {
        const o = (await observeAll(engine)).crowdsec;
        return o.state !== "running" ? o : null;
      },
      2_000,
      "the card to show the dead agent",
    );
    expect(card.state).toMatch(/^(failed|stopped)$/);
    // The supervisor's decision on that exit: self-heal is off, nothing is scheduled, now or later.
    await waitFor(
      () => exited.mock.calls.some(([f]) => (f as { event?: string; selfHeal?: boolean }).event === "agent_exited"),
      5_000,
      "the supervisor to handle the exit",
    );
    expect(exited).toHaveBeenCalledWith(expect.objectContaining({ event: "agent_exited", pid, selfHeal: false, action: "none" }), expect.any(String));
    expect(engine.supervisor.state.nextAttemptAt).toBeNull();
    expect(fx.agentPids()).toEqual([]);
    expect((await readIntent(db)).crowdsec.enabled).toBe(true);
  });
});

function runCli(args: string[], url: string, s: CrowdsecRuntimeSettings): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/cli/main.ts", ...args], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: url,
        CROWDSEC_INSTANCE_DIR: s.instanceDir,
        CROWDSEC_LAPI_PORT: String(s.lapiPort),
        CROWDSEC_PROMETHEUS_PORT: String(s.prometheusPort),
        WARDEN_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
