// npm run bench:engine — the CrowdSec engine on this machine (docs/decisions/006), with a real agent in an
// isolated instance on free loopback ports, driven through the same path as a click
// (changeAndApply: commit → apply → runtime result on the audit row), over BENCH_CYCLES (≥ 10) cycles:
//  1. switch on → LAPI GET /health answering           (target p50 ≤ 1.0 s)
//  2. switch on → agent fully loaded (the apply returns) (target p50 ≤ 2.0 s)
//  3. switch off → process gone                        (target p50 ≤ 4 s)
//  4. one status poll (observeAll) while running        (target p50 ≤ 5 ms, no process spawned)
// Last line: one JSON object. Exit 1 only when the bench itself failed; a missed target is reported.
import childProcess from "node:child_process";
import { createServer, request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "../lib/db";
import { changeAndApply } from "../lib/engine/changes";
import { ensureInstance } from "../lib/engine/crowdsec/instance";
import { instanceAgentPids } from "../lib/engine/crowdsec/agent-pids";
import { crowdsecSettingsFrom } from "../lib/engine/crowdsec/settings";
import { createEngine, observeAll } from "../lib/engine/engine";
import { migrateDatabase } from "../lib/migrations/run";
import { readIntent } from "../lib/security/intent-store";

const CYCLES = Math.max(10, Number(process.env.BENCH_CYCLES ?? 10));
const STATUS_POLLS = 300;
const work = mkdtempSync(join(tmpdir(), "warden-bench-engine-"));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const round = (x: number) => Math.round(x * 100) / 100;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function health(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/health", timeout: 200 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** Resolves with the ms from `t0` at which LAPI /health first answered 200, polling every 5 ms. */
async function watchHealth(port: number, t0: number, until: Promise<unknown>): Promise<number | null> {
  let done = false;
  void until.finally(() => (done = true));
  for (;;) {
    if (await health(port)) return performance.now() - t0;
    if (done && !(await health(port))) return null;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const settings = crowdsecSettingsFrom({
    instanceDir: join(work, "crowdsec"),
    lapiPort: await freePort(),
    prometheusPort: await freePort(),
    selfHeal: false,
  });
  const url = `file:${join(work, "warden.db")}`;
  await migrateDatabase(url);
  const db = createDb(url);
  const engine = createEngine(db, { crowdsec: settings });
  const ctx = { actor: "bench" };
  const t = performance.now();
  await ensureInstance(settings);
  console.log(`instance created in ${Math.round(performance.now() - t)} ms (${settings.instanceDir}, LAPI :${settings.lapiPort})`);

  const toLapi: number[] = [];
  const toLoaded: number[] = [];
  const stops: number[] = [];
  const status: number[] = [];
  let spawned = 0;
  try {
    for (let i = 0; i < CYCLES; i++) {
      const v = (await readIntent(db)).crowdsec.version;
      const t0 = performance.now();
      const apply = changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: true, expectedVersion: v }, ctx);
      const lapi = watchHealth(settings.lapiPort, t0, apply);
      await apply;
      toLoaded.push(performance.now() - t0);
      const lapiMs = await lapi;
      if (lapiMs === null) throw new Error("LAPI never answered during the start");
      toLapi.push(lapiMs);

      if (i === 0) {
        // Status polls while running: count every process spawned meanwhile.
        const original = { spawn: childProcess.spawn, execFile: childProcess.execFile, exec: childProcess.exec };
        const counting = <F extends (...a: never[]) => unknown>(f: F) => ((...a: Parameters<F>) => (spawned++, f(...a))) as unknown as F;
        childProcess.spawn = counting(original.spawn);
        childProcess.execFile = counting(original.execFile);
        childProcess.exec = counting(original.exec);
        try {
          for (let j = 0; j < STATUS_POLLS; j++) {
            const s = performance.now();
            const o = await observeAll(engine);
            status.push(performance.now() - s);
            if (o.crowdsec.state !== "running") throw new Error(`status poll saw ${o.crowdsec.state}, expected running`);
          }
        } finally {
          Object.assign(childProcess, original);
        }
      }

      const pids = instanceAgentPids(settings);
      if (pids.length !== 1) throw new Error(`expected exactly one agent after start, found ${pids.length}`);
      const v2 = (await readIntent(db)).crowdsec.version;
      const s0 = performance.now();
      await changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: false, expectedVersion: v2 }, ctx);
      while (instanceAgentPids(settings).length > 0) await new Promise((r) => setTimeout(r, 5));
      stops.push(performance.now() - s0);
      console.log(
        `cycle ${String(i + 1).padStart(2)}: LAPI ${Math.round(toLapi.at(-1)!)} ms, loaded ${Math.round(toLoaded.at(-1)!)} ms, stop ${Math.round(stops.at(-1)!)} ms`,
      );
    }
  } finally {
    engine.close();
    for (const pid of instanceAgentPids(settings)) process.kill(pid, "SIGKILL");
    await db.$disconnect();
    rmSync(work, { recursive: true, force: true });
  }

  const result = {
    cycles: CYCLES,
    start_to_lapi_p50_ms: round(pct(toLapi, 50)),
    start_to_lapi_p95_ms: round(pct(toLapi, 95)),
    start_to_loaded_p50_ms: round(pct(toLoaded, 50)),
    start_to_loaded_p95_ms: round(pct(toLoaded, 95)),
    stop_p50_ms: round(pct(stops, 50)),
    stop_p95_ms: round(pct(stops, 95)),
    status_p50_ms: round(pct(status, 50)),
    status_p95_ms: round(pct(status, 95)),
    status_polls: status.length,
    status_processes_spawned: spawned,
  };
  const targets = [
    ["switch → LAPI /health p50", result.start_to_lapi_p50_ms, 1000],
    ["switch → agent loaded p50", result.start_to_loaded_p50_ms, 2000],
    ["switch off → process gone p50", result.stop_p50_ms, 4000],
    ["status poll p50", result.status_p50_ms, 5],
  ] as const;
  console.log("");
  for (const [name, value, target] of targets)
    console.log(`${name.padEnd(32)} ${String(value).padStart(9)} ms  (target ≤ ${target} ms) ${value <= target ? "met" : "MISSED"}`);
  console.log(`processes spawned by ${status.length} status polls: ${spawned} ${spawned === 0 ? "(met)" : "(MISSED: must be 0)"}`);
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:engine FAILED: ${error instanceof Error ? error.stack : String(error)}`);
    rmSync(work, { recursive: true, force: true });
    process.exit(1);
  },
);
