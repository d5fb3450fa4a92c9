// `npm run bench:decisions`: CrowdSec's decisions at the edge, driven through the product's
// own path: a temp SQLite store, an engine from createEngine (its edge and its managed CrowdSec
// instance in a temp dir, on free ports), a site added with changeSiteAndApply, the WAF in block mode
// and CrowdSec switched on with changeAndApply (which creates the instance and starts the real agent),
// then the engine's decision loop (LAPI's stream → the edge's `geo` blocklist, one reload per change).
// Measures:
//  1. ban accepted by LAPI (LapiClient.ban, the panel's machine) → the first 403 marked as a ban for a
//     request from 127.0.0.2, and unban (LapiClient.unbanIp) → the first 200, over BENCH_CYCLES (≥ 10)
//     cycles, without waking the loop (what an admin's `cscli decisions add` costs); then a few cycles
//     with engine.decisions.kick() (what a ban from the panel costs);
//  2. one Verify (engine.verifier.run) with CrowdSec on: its ban check's times;
//  3. 10,000 decisions imported with `cscli decisions import` → all enforced (the control listener's
//     blocklist count and 127.0.0.2 refused), the import's own time apart;
//  4. the edge's throughput (WAF off) with the 10,000 decisions loaded vs none, alternating;
//  5. the Decisions API (one filtered page while 10,000 decisions are active) against a bare
//     authenticated route: bench/decisions-api.ts, its own production server and store.
// Last line: one JSON object. Exit 1 only when the bench itself failed; a missed target is reported.

process.env.WARDEN_LOG_LEVEL ??= "warn";

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { spawnSync } from "node:child_process";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BANNED, cscli, getFrom, untilSettled, type Want } from "./decisions-probe";
import { startUpstream, throughput, type Throughput, type Upstream } from "./edge-http";
import { DECISIONS_API_TARGET, measureDecisionsApi } from "./decisions-api";

// Dynamic imports: lib/log reads WARDEN_LOG_LEVEL when it is first loaded.
const { createDb } = await import("../lib/db");
const { env } = await import("../lib/env");
const { migrateDatabase } = await import("../lib/migrations/run");
const { changeAndApply } = await import("../lib/engine/changes");
const { createEngine } = await import("../lib/engine/engine");
const { crowdsecSettingsFrom, instancePaths } = await import("../lib/engine/crowdsec/settings");
const { instanceAgentPids } = await import("../lib/engine/crowdsec/agent-pids");
const { stopAgent } = await import("../lib/engine/crowdsec/agent-signals");
const { edgePaths, edgeSettingsFrom } = await import("../lib/engine/edge/settings");
const { edgeProcessPids } = await import("../lib/engine/edge/process");
const { changeSiteAndApply } = await import("../lib/actions/sites/apply-site");
const { createSite } = await import("../lib/sites/site-store");
const { readIntent } = await import("../lib/security/intent-store");
const { LapiClient } = await import("../lib/engine/blocklist/lapi-client");
const { lapiAccess } = await import("../lib/engine/blocklist/lapi-credentials");
const { probeBlocklist } = await import("../lib/engine/blocklist/blocklist-runtime");
const { testConfig } = await import("../lib/engine/edge/instance-dir");
const { log } = await import("../lib/log");

const int = (name: string, fallback: number, min = 1) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
};
const CYCLES = int("BENCH_CYCLES", 12, 10);
const KICK_CYCLES = int("BENCH_KICK_CYCLES", 5, 0);
const WAF_OFF_CYCLES = int("BENCH_WAF_OFF_CYCLES", 3, 0);
const CONNECTIONS = int("BENCH_CONNECTIONS", 10);
const SECONDS = int("BENCH_SECONDS", 5);
const ROUNDS = int("BENCH_ROUNDS", 4, 3);
const MANY = 10_000;
const POLL_MS = 10;
const HOST = "bench.example";
const TARGETS = { banP50: 1000, banP95: 2000, manyEnforced: 5000, ratio: 0.9, api: DECISIONS_API_TARGET };

const ctx = { actor: "bench" };
const work = mkdtempSync(join(tmpdir(), "warden-bench-decisions-"));
chmodSync(work, 0o711); // nginx's workers pass through it to their temp files
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const load = () => loadavg().map(r2);
const since = (t0: bigint, t: bigint) => Number(t - t0) / 1e6;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

let edgeErrorLog: string | null = null;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (error) {
      console.error(`cleanup failed: ${(error as Error).message}`);
    }
  }
}
process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));

async function main(): Promise<string> {
  const loadBefore = load();
  console.log("bench:decisions: CrowdSec decisions → the edge's blocklist through the product's path (changeAndApply, the engine's decision loop)");
  console.log(`machine: ${cpus().length} cores, Node ${process.version}; load average before: ${loadBefore.join(" ")}`);
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));

  const upstream: Upstream = await startUpstream();
  cleanups.push(() => upstream.close());
  const ports: number[] = [upstream.port];
  const port = async () => {
    let p = await freePort();
    while (ports.includes(p)) p = await freePort();
    ports.push(p);
    return p;
  };
  const listenPort = await port();
  const edgeSettings = edgeSettingsFrom({
    instanceDir: join(work, "edge"),
    listen: { host: "127.0.0.1", port: listenPort },
    control: { host: "127.0.0.1", port: await port() },
    workerProcesses: 1,
  });
  const crowdsec = crowdsecSettingsFrom({ instanceDir: join(work, "crowdsec"), lapiPort: await port(), prometheusPort: await port(), selfHeal: false });
  const url = `file:${join(work, "warden.db")}`;
  await migrateDatabase(url);
  const db = createDb(url);
  cleanups.push(() => db.$disconnect());
  console.log("initializing the fresh store (it logs one WARN 'initialized from defaults', as a fresh install does)");
  await readIntent(db);
  const engine = createEngine(db, { edge: edgeSettings, crowdsec, waf: { tuningFile: join(work, "waf", "crs-tuning.conf") } });
  cleanups.push(() => engine.close());
  cleanups.push(async () => {
    await engine.edge.runtime.stopNow({ holder: "bench:decisions cleanup" });
    for (const pid of edgeProcessPids(edgeSettings)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone meanwhile */
      }
    }
  });
  edgeErrorLog = edgePaths(edgeSettings).errorLog;

  const site = await changeSiteAndApply(
    engine,
    db,
    createSite,
    { hosts: [HOST], upstream: upstream.url, tlsVerify: true, enabled: true, maxBodyBytes: 1048576, waf: "inherit" },
    ctx,
  );
  if (site.runtime.status !== "applied") throw new Error(`adding the site: the edge answered ${JSON.stringify(site.runtime)}`);
  await changeAndApply(engine, db, "update", { protection: "waf", changes: { mode: "block" }, expectedVersion: (await readIntent(db)).waf.version }, ctx);
  const setWaf = async (on: boolean) => {
    const current = (await readIntent(db)).waf;
    if (current.enabled !== on) await changeAndApply(engine, db, "toggle", { protection: "waf", on, expectedVersion: current.version }, ctx);
  };
  await setWaf(true);

  // CrowdSec on: the managed instance is created and the real agent started by the product's apply.
  cleanups.push(async () => {
    for (const pid of instanceAgentPids(crowdsec)) await stopAgent(crowdsec, pid, { by: "bench:decisions cleanup" }).catch(() => undefined);
    for (const pid of instanceAgentPids(crowdsec)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone meanwhile */
      }
    }
  });
  const tOn = performance.now();
  const on = await changeAndApply(engine, db, "toggle", { protection: "crowdsec", on: true, expectedVersion: (await readIntent(db)).crowdsec.version }, ctx);
  const agents = instanceAgentPids(crowdsec);
  if (agents.length !== 1) throw new Error(`CrowdSec on: expected one agent of the bench's instance, found ${agents.length} (${JSON.stringify(on)})`);
  console.log(`CrowdSec switched on (instance created, agent pid ${agents[0]} started) in ${Math.round(performance.now() - tOn)} ms`);
  const run = (args: string[]) => cscli(crowdsec.cscli, instancePaths(crowdsec).config, args);
  cleanups.push(() => engine.decisions.stop());
  cleanups.push(() => run(["decisions", "delete", "--all"])); // runs first: the agent is still up
  engine.decisions.start();
  const tSync = performance.now();
  while (engine.decisions.status().syncedAt === null) {
    if (performance.now() - tSync > 20_000) throw new Error(`the decision loop did not sync within 20 s: ${JSON.stringify(engine.decisions.status())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const lapi = new LapiClient(await lapiAccess(await readIntent(db), crowdsec));
  if (!lapi.access.machine) throw new Error(`no machine credentials: ${lapi.access.machineProblem}`);

  const waf = (await readIntent(db)).waf.settings as { mode: string; paranoia: number };
  const e = env();
  const cscliVersion = spawnSync(crowdsec.cscli, ["version"], { encoding: "utf8" });
  const version = /version: (\S+)/.exec(`${cscliVersion.stdout}${cscliVersion.stderr}`)?.[1] ?? "unknown";
  console.log(`versions: CrowdSec ${version}; ${spawnSync(edgeSettings.bin, ["-v"], { encoding: "utf8" }).stderr.trim()}`);
  console.log(`upstream: node http server in its own process on ${upstream.url}, 200 "ok\\n"`);
  console.log(`edge: temp instance ${edgeSettings.instanceDir}, listen :${listenPort}, worker_processes 1, site ${HOST}; WAF ${waf.mode} PL${waf.paranoia}`);
  console.log(
    `CrowdSec: managed instance ${crowdsec.instanceDir}, LAPI :${crowdsec.lapiPort}; it reads ${instancePaths(crowdsec).accessLog}, the edge logs to ${edgePaths(edgeSettings).accessLog}`,
  );
  console.log(
    `decision loop: the engine's, poll ${e.WARDEN_DECISIONS_POLL_MS} ms, resync ${e.WARDEN_DECISIONS_RESYNC_MS} ms; first sync after ${Math.round(performance.now() - tSync)} ms`,
  );
  console.log(
    `client: a fresh connection per request from ${BANNED} (the benchmarks' reserved address), every ${POLL_MS} ms; logging WARDEN_LOG_LEVEL=${process.env.WARDEN_LOG_LEVEL}`,
  );
  console.log("");
  const settle = (want: Want, timeoutMs = 15_000) => untilSettled(listenPort, HOST, BANNED, want, { everyMs: POLL_MS, timeoutMs });
  await settle("pass");

  // 1. Ban → 403 and unban → 200. Beside it, when the loop's apply returned (its reload confirmed on the
  // control listener) and how long the apply took (HUP + the new generation confirmed: the
  // ms of the loop's info line "blocklist applied", read here even at WARDEN_LOG_LEVEL=warn), to tell
  // the loop's detection from its apply.
  let applied: bigint | null = null;
  let applyMs: number | null = null;
  const info = log.info.bind(log);
  log.info = ((obj: unknown, ...rest: unknown[]) => {
    const o = obj as { event?: string; ms?: number } | null;
    if (o && typeof o === "object" && o.event === "blocklist.applied" && typeof o.ms === "number") applyMs = o.ms;
    return (info as (...a: unknown[]) => void)(obj, ...rest);
  }) as typeof log.info;
  cleanups.push(() => (log.info = info));
  // The loop announces an apply just before it logs it: the time here, the apply's ms from that line.
  cleanups.push(
    engine.decisions.onApplied(() => {
      applied = process.hrtime.bigint();
      applyMs = null;
    }),
  );
  const applies: number[] = [];
  /** The loop's apply after `t0`: the edge may answer before the apply has confirmed it, so wait up to 3 s. */
  const appliedAfter = async (t0: bigint) => {
    const deadline = performance.now() + 3_000;
    while (((applied as bigint | null) ?? 0n) <= t0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const at = applied as bigint | null;
    const ms = applyMs as number | null;
    if (at === null || at <= t0) return "? (no apply seen)";
    if (ms !== null) applies.push(ms);
    return `${Math.round(since(t0, at))} ms, its apply ${ms ?? "?"} ms`;
  };
  const cycle = async (label: string, kick: boolean) => {
    await lapi.ban({ value: BANNED, scope: "Ip", duration: "5m", reason: "bench:decisions" });
    const t0 = process.hrtime.bigint();
    if (kick) engine.decisions.kick();
    const banned = await settle("ban");
    const banApplied = await appliedAfter(t0);
    const removed = await lapi.unbanIp(BANNED);
    const t1 = process.hrtime.bigint();
    if (removed < 1) throw new Error(`LAPI deleted ${removed} decisions on ${BANNED}, expected at least 1`);
    if (kick) engine.decisions.kick();
    const passed = await settle("pass");
    const unbanApplied = await appliedAfter(t1);
    const out = { ban: since(t0, banned.first), unban: since(t1, passed.first) };
    const flaps = banned.flaps + passed.flaps ? `; ${banned.flaps + passed.flaps} answer(s) from a previous worker in between` : "";
    console.log(
      `  ${label}: ban → 403 ${Math.round(out.ban)} ms (the loop's reload confirmed at ${banApplied}), ` +
        `unban → 200 ${Math.round(out.unban)} ms (at ${unbanApplied})${flaps}`,
    );
    return out;
  };
  console.log(
    `ban accepted by LAPI → first 403 (ban) from ${BANNED}, unban → first 200 (each then 3 in a row): ${CYCLES} cycles with the loop not woken, ` +
      `and between them ${KICK_CYCLES} cycles ("kick") with engine.decisions.kick() after LAPI's answer (what a ban from the panel costs)`,
  );
  const plain: { ban: number; unban: number }[] = [];
  const kicked: { ban: number; unban: number }[] = [];
  for (let i = 0; i < CYCLES; i++) {
    plain.push(await cycle(`cycle ${String(i + 1).padStart(2)}`, false));
    if (i % 2 === 1 && kicked.length < KICK_CYCLES) kicked.push(await cycle(`kick ${kicked.length + 1}  `, true));
  }
  while (kicked.length < KICK_CYCLES) kicked.push(await cycle(`kick ${kicked.length + 1}  `, true));

  const tests: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = await testConfig(edgeSettings);
    if (!t.ok) throw new Error(`nginx -t failed: ${t.reason}`);
    tests.push(t.ms);
  }
  const wafOnApplies = [...applies];
  console.log(
    `  the loop's apply (HUP + the new generation confirmed; no separate nginx -t) p50 ${applies.length ? pct(applies, 50) : "?"} ms over ${applies.length}`,
  );
  console.log(
    `  for reference (the loop no longer runs it): nginx -t of this configuration (WAF block, CRS, the empty blocklist) alone: ${tests.join(", ")} ms`,
  );

  // 2. One Verify with CrowdSec on.
  const verify = await engine.verifier.run("cli", { actor: "bench" });
  if (!verify.ban?.ok) throw new Error(`Verify's ban check failed: ${JSON.stringify(verify.ban ?? null)} (failures: ${verify.failures.join(" ")})`);
  console.log(`Verify (one site, WAF block): site probes ${verify.ms} ms; CrowdSec ban check ${verify.ban.ms} ms (${verify.ban.summary})`);
  await settle("pass");

  // 3. 10,000 decisions at once.
  const file = join(work, "decisions-10k.json");
  const rows = Array.from({ length: MANY }, (_, i) => ({
    duration: "30m",
    scope: "ip",
    type: "ban",
    value: i === MANY - 1 ? BANNED : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    reason: "bench:decisions bulk",
    origin: "cscli-import",
  }));
  writeFileSync(file, JSON.stringify(rows));
  const served = async () => {
    const p = await probeBlocklist(edgeSettings);
    return p.ok ? p.count : -1;
  };
  /** From `t0` until the control listener serves `count` entries and 127.0.0.2 gets `want` (both in one poll). */
  const until = async (count: number, want: Want, t0: bigint, timeoutMs = 60_000) => {
    for (;;) {
      const [n, a] = await Promise.all([served(), getFrom(listenPort, HOST, BANNED).catch(() => null)]);
      const ok = a !== null && (want === "ban" ? a.status === 403 && a.ban : a.status === 200);
      if (n === count && ok) return since(t0, process.hrtime.bigint());
      if (since(t0, process.hrtime.bigint()) > timeoutMs) throw new Error(`not ${count} entries and ${want} within ${timeoutMs} ms (served ${n})`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };
  const load10k = async () => {
    const t = process.hrtime.bigint();
    await run(["decisions", "import", "-i", file]);
    const t0 = process.hrtime.bigint();
    return { importMs: since(t, t0), enforcedMs: await until(MANY, "ban", t0) };
  };
  const clear = async () => {
    const t0 = process.hrtime.bigint();
    await run(["decisions", "delete", "--all"]);
    return until(0, "pass", t0);
  };
  console.log(
    `${MANY.toLocaleString("en")} decisions (${MANY - 1} distinct 10.x addresses and ${BANNED}) imported with cscli decisions import, WAF on (block)`,
  );
  const first = await load10k();
  console.log(`  import (the cscli run) ${Math.round(first.importMs)} ms; import's end → all enforced ${Math.round(first.enforcedMs)} ms`);

  // 4. Throughput with the 10,000 loaded vs none, the WAF off.
  await setWaf(false);
  await until(MANY, "ban", process.hrtime.bigint());
  const edgeUrl = `http://127.0.0.1:${listenPort}/`;
  const hostHeader = { host: HOST };
  console.log(
    `throughput (WAF OFF, to isolate the blocklist's cost): autocannon from 127.0.0.1, ${CONNECTIONS} connections, ${ROUNDS} rounds of ` +
      `${SECONDS} s with ${MANY.toLocaleString("en")} decisions loaded, then none (cscli decisions delete --all / import between), a 1 s warm-up before each`,
  );
  const runs = { many: [] as Throughput[], none: [] as Throughput[] };
  const later: { importMs: number; enforcedMs: number }[] = [];
  const clears: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) later.push(await load10k());
    await throughput(edgeUrl, hostHeader, CONNECTIONS, 1);
    runs.many.push(await throughput(edgeUrl, hostHeader, CONNECTIONS, SECONDS));
    clears.push(await clear());
    await throughput(edgeUrl, hostHeader, CONNECTIONS, 1);
    runs.none.push(await throughput(edgeUrl, hostHeader, CONNECTIONS, SECONDS));
  }
  const mean = (xs: Throughput[]) => xs.reduce((n, x) => n + x.reqPerS, 0) / xs.length;
  const each = (xs: Throughput[]) => xs.map((x) => Math.round(x.reqPerS)).join(", ");
  const manyRps = mean(runs.many);
  const noneRps = mean(runs.none);
  // Each round's pair ran back to back, so its ratio shares that moment's load; the median of those
  // ratios is the figure judged (one round under a burst of other work cannot swing it).
  const pairRatios = runs.many.map((x, i) => x.reqPerS / runs.none[i]!.reqPerS);
  const ratio = pct(pairRatios, 50);
  console.log(`  ${MANY.toLocaleString("en")} loaded  ${each(runs.many)} req/s`);
  console.log(
    `  none loaded    ${each(runs.none)} req/s   per round ${pairRatios.map(r2).join(", ")}: median ${r3(ratio)} (ratio of the means ${r3(manyRps / noneRps)})`,
  );
  console.log(
    `  (WAF off) re-imports: import ${later.map((x) => Math.round(x.importMs)).join(", ")} ms, → enforced ${later.map((x) => Math.round(x.enforcedMs)).join(", ")} ms; delete --all → 0 served and 200: ${clears.map(Math.round).join(", ")} ms`,
  );
  const resets = [...runs.many, ...runs.none].reduce((n, x) => n + x.resets, 0);
  if (resets > 0) console.log(`  (${resets} connection resets where nginx closed a connection after its 1000th request; autocannon's race, tolerated)`);
  // For reference: the same cycles with the WAF off (no CRS in the configuration nginx parses and reloads).
  const wafOff: { ban: number; unban: number }[] = [];
  if (WAF_OFF_CYCLES > 0) console.log(`for reference, ban → 403 / unban → 200 with the WAF off (the loop not woken): ${WAF_OFF_CYCLES} cycles`);
  const appliesBefore = applies.length;
  for (let i = 0; i < WAF_OFF_CYCLES; i++) wafOff.push(await cycle(`WAF off ${i + 1}`, false));
  const wafOffApplies = applies.slice(appliesBefore);

  // 5. The Decisions API: a production server of its own (CrowdSec off, so no second agent or edge).
  const api = await measureDecisionsApi();

  const loadAfter = load();
  console.log(`load average after: ${loadAfter.join(" ")}`);
  console.log("");
  const result = {
    cycles: CYCLES,
    ban_to_403_p50_ms: Math.round(
      pct(
        plain.map((c) => c.ban),
        50,
      ),
    ),
    ban_to_403_p95_ms: Math.round(
      pct(
        plain.map((c) => c.ban),
        95,
      ),
    ),
    unban_to_200_p50_ms: Math.round(
      pct(
        plain.map((c) => c.unban),
        50,
      ),
    ),
    unban_to_200_p95_ms: Math.round(
      pct(
        plain.map((c) => c.unban),
        95,
      ),
    ),
    ban_to_403_waf_off_p50_ms: wafOff.length
      ? Math.round(
          pct(
            wafOff.map((c) => c.ban),
            50,
          ),
        )
      : null,
    unban_to_200_waf_off_p50_ms: wafOff.length
      ? Math.round(
          pct(
            wafOff.map((c) => c.unban),
            50,
          ),
        )
      : null,
    loop_apply_p50_ms: wafOnApplies.length ? pct(wafOnApplies, 50) : null,
    loop_apply_waf_off_p50_ms: wafOffApplies.length ? pct(wafOffApplies, 50) : null,
    nginx_test_p50_ms: pct(tests, 50),
    kick_cycles: KICK_CYCLES,
    ban_to_403_kick_p50_ms: kicked.length
      ? Math.round(
          pct(
            kicked.map((c) => c.ban),
            50,
          ),
        )
      : null,
    unban_to_200_kick_p50_ms: kicked.length
      ? Math.round(
          pct(
            kicked.map((c) => c.unban),
            50,
          ),
        )
      : null,
    verify_ban_ms: verify.ban.ms,
    verify_ban_to_block_ms: verify.ban.banToBlockMs ?? null,
    verify_unban_to_pass_ms: verify.ban.unbanToPassMs ?? null,
    decisions_10k_import_ms: Math.round(first.importMs),
    decisions_10k_enforced_ms: Math.round(first.enforcedMs),
    decisions_10k_enforced_waf_off_ms: later.map((x) => Math.round(x.enforcedMs)),
    decisions_api_req_per_s: api.decisionsApiReqPerS,
    bare_auth_req_per_s: api.bareAuthReqPerS,
    decisions_api_to_bare_ratio: api.ratio,
    decisions_api_to_bare_ratio_of_means: api.ratioOfMeans,
    decisions_api_query: api.query,
    decisions_api_matching: api.matching,
    edge_req_per_s_10k: Math.round(manyRps),
    edge_req_per_s_0: Math.round(noneRps),
    edge_10k_to_0_ratio: r3(ratio),
    edge_10k_to_0_ratio_of_means: r3(manyRps / noneRps),
    throughput_waf: "off",
    connections: CONNECTIONS,
    throughput_rounds: ROUNDS,
    throughput_seconds: SECONDS,
    decisions_poll_ms: e.WARDEN_DECISIONS_POLL_MS,
    loadavg: { before: loadBefore, after: loadAfter },
  };
  const targets = [
    ["ban_to_403_p50", `ban → 403 p50 ≤ ${TARGETS.banP50} ms`, result.ban_to_403_p50_ms, result.ban_to_403_p50_ms <= TARGETS.banP50],
    ["ban_to_403_p95", `ban → 403 p95 ≤ ${TARGETS.banP95} ms`, result.ban_to_403_p95_ms, result.ban_to_403_p95_ms <= TARGETS.banP95],
    ["unban_to_200_p50", `unban → 200 p50 ≤ ${TARGETS.banP50} ms`, result.unban_to_200_p50_ms, result.unban_to_200_p50_ms <= TARGETS.banP50],
    ["unban_to_200_p95", `unban → 200 p95 ≤ ${TARGETS.banP95} ms`, result.unban_to_200_p95_ms, result.unban_to_200_p95_ms <= TARGETS.banP95],
    [
      "decisions_10k_enforced",
      `10,000 decisions accepted → enforced ≤ ${TARGETS.manyEnforced} ms (provisional)`,
      result.decisions_10k_enforced_ms,
      result.decisions_10k_enforced_ms <= TARGETS.manyEnforced,
    ],
    [
      "edge_10k_to_0",
      `edge throughput with 10,000 ≥ ${TARGETS.ratio} × none (WAF off, median of the rounds' ratios)`,
      result.edge_10k_to_0_ratio,
      result.edge_10k_to_0_ratio >= TARGETS.ratio,
    ],
    [
      "decisions_api_to_bare",
      `Decisions API ≥ ${TARGETS.api} × a bare authenticated route (one filtered page of ${MANY.toLocaleString("en")}, median of the rounds' ratios)`,
      result.decisions_api_to_bare_ratio,
      api.met,
    ],
  ] as const;
  console.log(`targets (this machine, load average ${loadBefore[0]} → ${loadAfter[0]}):`);
  for (const [, name, value, met] of targets) console.log(`  ${(met ? "MET" : "MISSED").padEnd(6)} ${name}: ${value}`);
  const missed = targets.filter(([, , , met]) => !met).length;
  console.log(missed === 0 ? "all targets MET" : `${missed} target(s) MISSED`);
  const met = Object.fromEntries(targets.map(([key, , , ok]) => [`${key}_met`, ok]));
  const targetValues = {
    ban_p50_ms: TARGETS.banP50,
    ban_p95_ms: TARGETS.banP95,
    decisions_10k_enforced_ms: TARGETS.manyEnforced,
    edge_10k_to_0_ratio: TARGETS.ratio,
    decisions_api_to_bare_ratio: TARGETS.api,
  };
  return JSON.stringify({ ...result, targets: targetValues, ...met, targets_met: missed === 0 });
}

let failed = false;
let last = "";
try {
  last = await main();
} catch (error) {
  failed = true;
  console.error(`bench:decisions FAILED: ${(error as Error).stack ?? String(error)}`);
  if (edgeErrorLog && existsSync(edgeErrorLog)) {
    console.error(`last lines of the edge's error log:\n${readFileSync(edgeErrorLog, "utf8").trimEnd().split("\n").slice(-20).join("\n")}`);
  }
} finally {
  await cleanup();
}
// After the cleanup, so that nothing the edge or the agent logs while stopping comes after it.
if (last) console.log(last);
process.exit(failed ? 1 : 0);
