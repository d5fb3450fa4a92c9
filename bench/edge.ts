// `npm run bench:edge`: the edge (nginx + ModSecurity + OWASP CRS, one worker) driven through the
// product's own path: a temp SQLite store, an engine from createEngine, a site added with
// changeSiteAndApply, the WAF switched with changeAndApply. Measures, with a keep-alive client timed
// by process.hrtime:
//  1. WAF switch → first 403 for an attack, over BENCH_CYCLES (≥ 10) off/on cycles;
//  2. the latency the edge adds to a request against the upstream directly, same run, WAF off and
//     WAF on (block, PL1) with a browser-like GET;
//  3. rate limiting off → on (10 per second, burst 5) → first 429, and one Verify of one site
//     (bench/edge-rate.ts);
//  4. throughput through the edge (WAF off) as a ratio of the upstream directly (autocannon), beside a
//     bare nginx proxy hop measured under the same load (bench/edge-bare-proxy.ts, no target).
// The CrowdSec agent is never started; the edge's logs are in a temp dir no CrowdSec reads.
// Last line: one JSON object. Exit 1 only when the bench itself failed; a missed target is reported.

process.env.WARDEN_LOG_LEVEL ??= "warn";

import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startBareProxy } from "./edge-bare-proxy";
import { measureRateAndVerify, RATE } from "./edge-rate";
import { ATTACK, BROWSER_GET, keepAliveAgent, startUpstream, throughput, timedGet, untilStatus, type Throughput, type Upstream } from "./edge-http";

// Dynamic imports: lib/log reads WARDEN_LOG_LEVEL when it is first loaded.
const { createDb } = await import("../lib/db");
const { migrateDatabase } = await import("../lib/migrations/run");
const { changeAndApply } = await import("../lib/engine/changes");
const { createEngine } = await import("../lib/engine/engine");
const { DEFAULT_CROWDSEC_SETTINGS, instancePaths } = await import("../lib/engine/crowdsec/settings");
const { instanceAgentPids } = await import("../lib/engine/crowdsec/agent-pids");
const { edgePaths, edgeSettingsFrom } = await import("../lib/engine/edge/settings");
const { edgeProcessPids } = await import("../lib/engine/edge/process");
const { changeSiteAndApply } = await import("../lib/actions/sites/apply-site");
const { createSite } = await import("../lib/sites/site-store");
const { readIntent } = await import("../lib/security/intent-store");

const int = (name: string, fallback: number, min = 1) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
};
const CYCLES = int("BENCH_CYCLES", 12, 10);
const REQUESTS = int("BENCH_REQUESTS", 2000);
const WARMUP = int("BENCH_WARMUP", 200);
const CONNECTIONS = int("BENCH_CONNECTIONS", 10);
const SECONDS = int("BENCH_SECONDS", 5);
const ROUNDS = int("BENCH_ROUNDS", 3);
const POLL_MS = 20;
const HOST = "bench.example";
const TARGETS = { to403P50: 1000, to403P95: 2000, edgeAddedP50: 0.5, wafAddedP50: 2.5, ratio: 0.45, rateP50: 1000, rateP95: 2000, verifyP50: 3000 };

const ctx = { actor: "bench" };
const work = mkdtempSync(join(tmpdir(), "warden-bench-edge-"));
// nginx's workers must pass through the directory to their temp files (the edge warns otherwise).
chmodSync(work, 0o711);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const load = () => loadavg().map(r2);

async function freePort(taken: number[] = []): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    if (!taken.includes(port)) return port;
  }
}

/** What a tool prints about its version (nginx prints it on stderr). */
function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().replace(/\n/g, ", ") || `${cmd}: unknown`;
}

interface Latency {
  direct: number[];
  edge: number[];
}

/** Sequential GETs, direct and through the edge alternately (so load from other work falls on both alike). */
async function latency(upstreamPort: number, edgePort: number, label: string): Promise<Latency> {
  const direct = keepAliveAgent();
  const edge = keepAliveAgent();
  const out: Latency = { direct: [], edge: [] };
  try {
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      const d = await timedGet(direct, upstreamPort, BROWSER_GET.path, { ...BROWSER_GET.headers, host: HOST });
      const e = await timedGet(edge, edgePort, BROWSER_GET.path, { ...BROWSER_GET.headers, host: HOST });
      if (d.status !== 200 || e.status !== 200) throw new Error(`${label}: direct answered ${d.status}, the edge ${e.status} (expected 200)`);
      if (i < WARMUP) continue;
      out.direct.push(d.ms);
      out.edge.push(e.ms);
    }
  } finally {
    direct.destroy();
    edge.destroy();
  }
  return out;
}

/** The edge's error log, printed when the bench fails (it is removed with the temp dir). */
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
  console.log("bench:edge: the edge (nginx + ModSecurity + OWASP CRS) through the product's path (changeAndApply, changeSiteAndApply)");
  console.log(`machine: ${cpus().length} cores, Node ${process.version}; load average before: ${loadBefore.join(" ")}`);
  console.log(
    `edge: ${version("/usr/sbin/nginx", ["-v"])}; ${version("dpkg-query", ["-W", "-f", "${Package} ${Version}\\n", "libmodsecurity3", "modsecurity-crs"])}`,
  );
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));

  const upstream: Upstream = await startUpstream();
  cleanups.push(() => upstream.close());
  const listenPort = await freePort([upstream.port]);
  const controlPort = await freePort([upstream.port, listenPort]);
  const edgeSettings = edgeSettingsFrom({
    instanceDir: join(work, "edge"),
    listen: { host: "127.0.0.1", port: listenPort },
    control: { host: "127.0.0.1", port: controlPort },
    workerProcesses: 1,
  });
  const crowdsec = { ...DEFAULT_CROWDSEC_SETTINGS, instanceDir: join(work, "crowdsec") };
  const url = `file:${join(work, "warden.db")}`;
  await migrateDatabase(url);
  const db = createDb(url);
  cleanups.push(() => db.$disconnect());
  console.log("initializing the fresh store (it logs one WARN 'initialized from defaults', as a fresh install does)");
  await readIntent(db);
  const engine = createEngine(db, { edge: edgeSettings, crowdsec, waf: { tuningFile: join(work, "waf", "crs-tuning.conf") } });
  cleanups.push(() => engine.close());
  cleanups.push(async () => {
    await engine.edge.runtime.stopNow({ holder: "bench:edge cleanup" });
    for (const pid of edgeProcessPids(edgeSettings)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone meanwhile */
      }
    }
  });

  const site = await changeSiteAndApply(
    engine,
    db,
    createSite,
    { hosts: [HOST], upstream: upstream.url, tlsVerify: true, enabled: true, maxBodyBytes: 1048576, waf: "inherit" },
    ctx,
  );
  if (site.runtime.status !== "applied") throw new Error(`adding the site: the edge answered ${JSON.stringify(site.runtime)}`);
  let waf = (await readIntent(db)).waf;
  await changeAndApply(engine, db, "update", { protection: "waf", changes: { mode: "block" }, expectedVersion: waf.version }, ctx);
  waf = (await readIntent(db)).waf;
  const wafSettings = waf.settings as { mode: string; paranoia: number };
  const accessLog = edgePaths(edgeSettings).accessLog;
  edgeErrorLog = edgePaths(edgeSettings).errorLog;
  const crowdsecReads = instancePaths(crowdsec).accessLog;
  if (accessLog === crowdsecReads) throw new Error("the edge's access log is the file CrowdSec reads");

  const agentsBefore = instanceAgentPids(crowdsec).length;
  if (agentsBefore > 0) throw new Error(`a CrowdSec agent of the bench's instance is running (${agentsBefore})`);
  const edgePids = edgeProcessPids(edgeSettings);
  console.log(`upstream: node http server in its own process on ${upstream.url}, 200 "ok\\n" (3 bytes), keep-alive`);
  console.log(
    `edge: temp instance ${edgeSettings.instanceDir}, listen :${listenPort}, worker_processes 1 ` +
      `(${edgePids.length} nginx processes: master + ${edgePids.length - 1} worker), site ${HOST} → upstream`,
  );
  console.log(`WAF: mode ${wafSettings.mode}, paranoia ${wafSettings.paranoia}; attack probe GET ${ATTACK}`);
  console.log(`CrowdSec agent: not running during the timed part (never started; 0 processes of the bench's instance)`);
  console.log(`CrowdSec reads only ${crowdsecReads} (its instance's acquisition file); the bench's traffic is logged in ${accessLog}: no CrowdSec reads it`);
  console.log(`client: node http.Agent keep-alive, maxSockets 1, timed with process.hrtime; logging WARDEN_LOG_LEVEL=${process.env.WARDEN_LOG_LEVEL}`);
  console.log("");

  const setWaf = async (on: boolean) => {
    const current = (await readIntent(db)).waf;
    if (current.enabled === on) return;
    await changeAndApply(engine, db, "toggle", { protection: "waf", on, expectedVersion: current.version }, ctx);
  };

  // 1. WAF switch → first 403.
  console.log(`WAF switch → first 403: ${CYCLES} cycles (WAF off, the attack gets 200; switch on; poll the attack every ${POLL_MS} ms)`);
  const probe = keepAliveAgent();
  cleanups.push(() => probe.destroy());
  const to403: number[] = [];
  const applyMs: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    await setWaf(false);
    await untilStatus(probe, listenPort, ATTACK, { host: HOST }, 200, { everyMs: POLL_MS, timeoutMs: 10_000 });
    const v = (await readIntent(db)).waf.version;
    const t0 = process.hrtime.bigint();
    const apply = changeAndApply(engine, db, "toggle", { protection: "waf", on: true, expectedVersion: v }, ctx).then(() => process.hrtime.bigint());
    apply.catch(() => undefined); // awaited below; a failure there fails the bench
    const first = await untilStatus(probe, listenPort, ATTACK, { host: HOST }, 403, { everyMs: POLL_MS, timeoutMs: 15_000 });
    const applied = await apply;
    to403.push(Number(first.at - t0) / 1e6);
    applyMs.push(Number(applied - t0) / 1e6);
    console.log(
      `  cycle ${String(i + 1).padStart(2)}: first 403 after ${Math.round(to403.at(-1)!)} ms (${first.polls} polls); the switch returned after ${Math.round(applyMs.at(-1)!)} ms`,
    );
  }

  // Rate limiting and Verify (the WAF is on, block, after the cycles); rate limiting ends off.
  const rate = await measureRateAndVerify(engine, db, listenPort, HOST, CYCLES, ctx, (line) => console.log(line));

  // 2. Added latency, WAF on (block, PL1) first (it is on after the cycles), then off.
  console.log(`added latency: ${REQUESTS} sequential browser-like GETs ${BROWSER_GET.path} each way after ${WARMUP} warm-up, direct and edge alternately`);
  const wafOn = await latency(upstream.port, listenPort, "WAF on");
  await setWaf(false);
  await untilStatus(probe, listenPort, ATTACK, { host: HOST }, 200, { everyMs: POLL_MS, timeoutMs: 10_000 });
  const wafOff = await latency(upstream.port, listenPort, "WAF off");
  const row = (label: string, l: Latency) =>
    console.log(
      `  ${label.padEnd(22)} direct p50 ${r3(pct(l.direct, 50)).toFixed(3)} ms (p99 ${r3(pct(l.direct, 99)).toFixed(3)}), ` +
        `edge p50 ${r3(pct(l.edge, 50)).toFixed(3)} ms (p99 ${r3(pct(l.edge, 99)).toFixed(3)}), added p50 ${r3(pct(l.edge, 50) - pct(l.direct, 50)).toFixed(3)} ms`,
    );
  row("WAF off", wafOff);
  row("WAF on (block, PL1)", wafOn);

  // 3. Throughput, WAF off: direct, edge, bare proxy hop, twice over (so a change in load falls on all).
  const bare = await startBareProxy(join(work, "bare"), await freePort([upstream.port, listenPort, controlPort]), upstream.port);
  cleanups.push(() => bare.close());
  console.log(
    `throughput (WAF off): autocannon, ${CONNECTIONS} connections, 1 s warm-up then ${ROUNDS} rounds of ${SECONDS} s each: direct, edge, ` +
      `and for reference a bare nginx proxy hop (one worker, upstream keep-alive, no access log, no ModSecurity), in turn`,
  );
  const edgeUrl = `http://127.0.0.1:${listenPort}/`;
  const bareUrl = `http://127.0.0.1:${bare.port}/`;
  const hostHeader = { host: HOST };
  for (const u of [upstream.url, edgeUrl, bareUrl]) await throughput(u, hostHeader, CONNECTIONS, 1);
  const runs = { direct: [] as Throughput[], edge: [] as Throughput[], bare: [] as Throughput[] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.direct.push(await throughput(upstream.url, hostHeader, CONNECTIONS, SECONDS));
    runs.edge.push(await throughput(edgeUrl, hostHeader, CONNECTIONS, SECONDS));
    runs.bare.push(await throughput(bareUrl, hostHeader, CONNECTIONS, SECONDS));
  }
  const mean = (xs: Throughput[]) => xs.reduce((n, x) => n + x.reqPerS, 0) / xs.length;
  const directRps = mean(runs.direct);
  const edgeRps = mean(runs.edge);
  const bareRps = mean(runs.bare);
  const resets = [...runs.edge, ...runs.bare].reduce((n, x) => n + x.resets, 0);
  const each = (xs: Throughput[]) => xs.map((x) => Math.round(x.reqPerS)).join(", ");
  console.log(`  direct      ${each(runs.direct)} req/s`);
  const ratios = (xs: Throughput[]) => xs.map((x, i) => r2(x.reqPerS / runs.direct[i]!.reqPerS)).join(", ");
  console.log(`  edge        ${each(runs.edge)} req/s   ratio of the means ${r3(edgeRps / directRps)} (per round ${ratios(runs.edge)})`);
  console.log(`  bare proxy  ${each(runs.bare)} req/s   ratio of the means ${r3(bareRps / directRps)} (per round ${ratios(runs.bare)}; reference, no target)`);
  console.log(`  edge / bare proxy: ${r3(edgeRps / bareRps)} (what the edge's configuration costs beyond the hop itself)`);
  if (resets > 0) console.log(`  (${resets} connection resets where nginx closed a connection after its 1000th request; autocannon's race, tolerated)`);

  const agentsAfter = instanceAgentPids(crowdsec).length;
  if (agentsAfter > 0) throw new Error(`a CrowdSec agent of the bench's instance ran during the timed part (${agentsAfter})`);
  const loadAfter = load();
  console.log(`CrowdSec agent after the timed part: ${agentsAfter} processes of the bench's instance`);
  console.log(`load average after: ${loadAfter.join(" ")}`);
  console.log("");

  const result = {
    cycles: CYCLES,
    waf_on_to_403_p50_ms: Math.round(pct(to403, 50)),
    waf_on_to_403_p95_ms: Math.round(pct(to403, 95)),
    waf_on_to_403_max_ms: Math.round(Math.max(...to403)),
    waf_on_apply_p50_ms: Math.round(pct(applyMs, 50)),
    direct_p50_ms: r3(pct(wafOff.direct, 50)),
    edge_p50_ms: r3(pct(wafOff.edge, 50)),
    edge_p99_ms: r3(pct(wafOff.edge, 99)),
    edge_added_p50_ms: r3(pct(wafOff.edge, 50) - pct(wafOff.direct, 50)),
    waf_direct_p50_ms: r3(pct(wafOn.direct, 50)),
    waf_p50_ms: r3(pct(wafOn.edge, 50)),
    waf_p99_ms: r3(pct(wafOn.edge, 99)),
    waf_added_p50_ms: r3(pct(wafOn.edge, 50) - pct(wafOn.direct, 50)),
    rate_change_to_enforced_p50_ms: Math.round(pct(rate.toEnforced, 50)),
    rate_change_to_enforced_p95_ms: Math.round(pct(rate.toEnforced, 95)),
    rate_limit: RATE,
    verify_p50_ms: Math.round(pct(rate.verify, 50)),
    verify_p95_ms: Math.round(pct(rate.verify, 95)),
    requests: REQUESTS,
    edge_req_per_s: Math.round(edgeRps),
    direct_req_per_s: Math.round(directRps),
    edge_to_direct_ratio: r3(edgeRps / directRps),
    bare_proxy_req_per_s: Math.round(bareRps),
    bare_proxy_to_direct_ratio: r3(bareRps / directRps),
    edge_to_bare_proxy_ratio: r3(edgeRps / bareRps),
    connections: CONNECTIONS,
    throughput_rounds: ROUNDS,
    throughput_seconds: SECONDS,
    crowdsec_agent_running: false,
    loadavg: { before: loadBefore, after: loadAfter },
  };
  const targets = [
    [`WAF switch → first 403 p50 ≤ ${TARGETS.to403P50} ms`, `${result.waf_on_to_403_p50_ms} ms`, result.waf_on_to_403_p50_ms <= TARGETS.to403P50],
    [`WAF switch → first 403 p95 ≤ ${TARGETS.to403P95} ms`, `${result.waf_on_to_403_p95_ms} ms`, result.waf_on_to_403_p95_ms <= TARGETS.to403P95],
    [`edge added p50 (WAF off) ≤ ${TARGETS.edgeAddedP50} ms`, `${result.edge_added_p50_ms} ms`, result.edge_added_p50_ms <= TARGETS.edgeAddedP50],
    [`WAF added p50 (PL1, browser-like GET) ≤ ${TARGETS.wafAddedP50} ms`, `${result.waf_added_p50_ms} ms`, result.waf_added_p50_ms <= TARGETS.wafAddedP50],
    [`edge throughput ≥ ${TARGETS.ratio} × direct (WAF off)`, `${result.edge_to_direct_ratio}`, result.edge_to_direct_ratio >= TARGETS.ratio],
    [
      `rate change → enforced p50 ≤ ${TARGETS.rateP50} ms`,
      `${result.rate_change_to_enforced_p50_ms} ms`,
      result.rate_change_to_enforced_p50_ms <= TARGETS.rateP50,
    ],
    [
      `rate change → enforced p95 ≤ ${TARGETS.rateP95} ms`,
      `${result.rate_change_to_enforced_p95_ms} ms`,
      result.rate_change_to_enforced_p95_ms <= TARGETS.rateP95,
    ],
    [`one Verify of one site p50 ≤ ${TARGETS.verifyP50} ms`, `${result.verify_p50_ms} ms`, result.verify_p50_ms <= TARGETS.verifyP50],
  ] as const;
  console.log(`targets (this machine, load average ${loadBefore[0]} → ${loadAfter[0]}):`);
  for (const [name, value, met] of targets) console.log(`  ${(met ? "MET" : "MISSED").padEnd(6)} ${name}: ${value}`);
  const missed = targets.filter(([, , met]) => !met).length;
  console.log(missed === 0 ? "all targets MET" : `${missed} target(s) MISSED`);
  return JSON.stringify({ ...result, targets_met: missed === 0 });
}

let failed = false;
let last = "";
try {
  last = await main();
} catch (error) {
  failed = true;
  console.error(`bench:edge FAILED: ${(error as Error).stack ?? String(error)}`);
  if (edgeErrorLog && existsSync(edgeErrorLog)) {
    console.error(`last lines of the edge's error log:\n${readFileSync(edgeErrorLog, "utf8").trimEnd().split("\n").slice(-20).join("\n")}`);
  }
} finally {
  await cleanup();
}
// After the cleanup, so that nothing the edge logs while stopping comes after it.
if (last) console.log(last);
process.exit(failed ? 1 : 0);
