// The Decisions API's throughput: GET /api/decisions for one filtered page while 10,000 decisions are
// active, as a ratio of a bare authenticated route (GET /api/session: the session check and nothing
// else) in the same run (target ≥ 0.5). Called by bench/decisions.ts; alone:
//   npm run bench:decisions-api   (needs `npm run build`; the last line is one JSON object)
// The production build runs through server.mjs against a temp SQLite store, its edge, CrowdSec instance
// and WAF tuning file in the temp dir and every port free (BENCH_API_PORT=<p>: the panel on p, the
// edge, its control listener, LAPI and Prometheus on p+1…p+4). CrowdSec is off in a fresh store, so
// the panel starts neither an agent nor an edge. The admin comes from `npm run cli -- create-admin`,
// the session cookie from the real sign-in route. The 10,000 rows go in with replaceActiveDecisions
// (what the leader's loop writes), classified as the loop classifies LAPI's answer, once the panel's
// loop has written its first (empty, CrowdSec off) set, so it cannot replace them afterwards.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { LapiDecision } from "../lib/engine/blocklist/lapi-client";

export const DECISIONS_API_TARGET = 0.5;
const ROWS = 10_000;
const QUERY = "q=10.1&origin=scenario&page=2&pageSize=50";
const USER = "bench";
const PASSWORD = "bench admin passphrase";
const root = join(import.meta.dirname, "..");

export interface DecisionsApiResult {
  /** Mean req/s of the rounds. */
  decisionsApiReqPerS: number;
  bareAuthReqPerS: number;
  /** Median of the rounds' ratios (each round's two runs back to back). */
  ratio: number;
  ratioOfMeans: number;
  target: number;
  met: boolean;
  rounds: { api: number; bare: number; ratio: number }[];
  apiLatencyP50Ms: number;
  bareLatencyP50Ms: number;
  rows: number;
  /** Rows the query matches (the page is 50 of them). */
  matching: number;
  query: string;
  connections: number;
  seconds: number;
  loadavg: { before: number[]; after: number[] };
}

const int = (name: string, fallback: number, min: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** Nearest-rank p50 (the lower middle of an even count), as bench/decisions.ts judges its ratios. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(taken: number[]): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    if (!taken.includes(port)) return port;
  }
}

/** A deterministic PRNG (mulberry32), so every run lists the same 10,000 decisions. */
function random(start: number): () => number {
  let a = start;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCENARIOS = [
  "crowdsecurity/http-probing",
  "crowdsecurity/http-crawl-non_statics",
  "crowdsecurity/http-bad-user-agent",
  "crowdsecurity/http-sensitive-files",
  "crowdsecurity/http-path-traversal-probing",
  "crowdsecurity/http-sqli-probing",
  "crowdsecurity/http-xss-probing",
  "crowdsecurity/http-wordpress-scan",
  "crowdsecurity/ssh-bf",
  "crowdsecurity/ssh-slow-bf",
  "crowdsecurity/nginx-req-limit-exceeded",
  "crowdsecurity/http-cve-2021-41773",
];
const FIRST_OCTETS = [10, 31, 45, 51, 80, 91, 103, 110, 141, 162, 185, 193, 203, 212];

/**
 * LAPI's answer as the loop would read it: ~9,000 scenario bans (some on a /24), 600 `cscli` bans, 300
 * from the panel, 70 from the community blocklist, and 30 the edge does not enforce (captcha, country).
 */
export function lapiDecisions(): LapiDecision[] {
  const next = random(19);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const octet = () => Math.floor(next() * 256);
  const address = () => `${pick(FIRST_OCTETS)}.${octet()}.${octet()}.${1 + Math.floor(next() * 254)}`;
  const duration = () => `${Math.floor(1 + next() * 3)}h${Math.floor(next() * 60)}m${Math.floor(next() * 60)}s`;
  return Array.from({ length: ROWS }, (_, i) => {
    const id = 200_001 + i;
    const ban = { id, type: "ban", scope: "Ip", value: address(), duration: duration() };
    if (i < 8_800) return { ...ban, origin: "crowdsec", scenario: pick(SCENARIOS) };
    if (i < 9_000) return { ...ban, scope: "Range", value: `${pick(FIRST_OCTETS)}.${octet()}.${octet()}.0/24`, origin: "crowdsec", scenario: pick(SCENARIOS) };
    if (i < 9_600) return { ...ban, origin: "cscli", scenario: "manual 'ban' from 'localhost'" };
    if (i < 9_900) return { ...ban, origin: "warden", scenario: "abusive client (banned from the panel)" };
    if (i < 9_970) return { ...ban, origin: "CAPI", scenario: "crowdsecurity/http-bf-wordpress_bf" };
    if (i < 9_990) return { ...ban, type: "captcha", origin: "crowdsec", scenario: pick(SCENARIOS) };
    return { ...ban, scope: "Country", value: pick(["CN", "RU", "KP"]), origin: "cscli", scenario: "manual 'ban' from 'localhost'" };
  });
}

async function rate(url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<{ rps: number; p50: number }> {
  const result = await autocannon({ url, connections, duration: seconds, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50 };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  if ((await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])) === false) {
    child.kill("SIGKILL");
    await exited;
  }
}

/** Measures; `say` prints the context and the figures (bench/decisions.ts indents them). */
export async function measureDecisionsApi(say: (line: string) => void = console.log): Promise<DecisionsApiResult> {
  const { createDb } = await import("../lib/db");
  const { readBlocklistState, replaceActiveDecisions } = await import("../lib/decisions/decision-store");
  const { classifyDecisions } = await import("../lib/engine/blocklist/decision-set");
  const { migrateDatabase } = await import("../lib/migrations/run");
  if (!existsSync(join(root, ".next", "BUILD_ID"))) throw new Error("no production build: run `npm run build` first");
  const rounds = int("BENCH_API_ROUNDS", 4, 3);
  const seconds = int("BENCH_API_SECONDS", 5, 1);
  const connections = int("BENCH_API_CONNECTIONS", 10, 1);
  const before = loadavg().map(r2);
  const work = mkdtempSync(join(tmpdir(), "warden-bench-decisions-api-"));
  const url = `file:${join(work, "warden.db")}`;
  const base = process.env.BENCH_API_PORT ? int("BENCH_API_PORT", 0, 1024) : null;
  const ports: number[] = [];
  for (let i = 0; i < 5; i++) ports.push(base !== null ? base + i : await freePort(ports));
  const [port, edgePort, controlPort, lapiPort, prometheusPort] = ports as [number, number, number, number, number];
  const env = {
    ...process.env,
    DATABASE_URL: url,
    WARDEN_DATA_DIR: work,
    WARDEN_EDGE_DIR: join(work, "edge"),
    WARDEN_EDGE_LISTEN: `127.0.0.1:${edgePort}`,
    WARDEN_EDGE_CONTROL_LISTEN: `127.0.0.1:${controlPort}`,
    CROWDSEC_INSTANCE_DIR: join(work, "crowdsec"),
    CROWDSEC_LAPI_PORT: String(lapiPort),
    CROWDSEC_PROMETHEUS_PORT: String(prometheusPort),
    WARDEN_WAF_TUNING_FILE: join(work, "waf", "crs-tuning.conf"),
    WARDEN_LOG_LEVEL: "warn",
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production" as const,
  };
  let server: ChildProcess | null = null;
  let db: ReturnType<typeof createDb> | null = null;
  try {
    await migrateDatabase(url);
    // The product's headless way to the first admin.
    const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
    const cli = spawnSync(process.execPath, [tsx, "--conditions=react-server", "lib/cli/main.ts", "create-admin", USER], {
      cwd: root,
      env,
      input: `${PASSWORD}\n`,
      encoding: "utf8",
    });
    if (cli.status !== 0) throw new Error(`create-admin failed (${cli.status}): ${cli.stderr.trim() || cli.stdout.trim()}`);

    const child = spawn(process.execPath, [join(root, "server.mjs"), "-p", String(port), "-H", "127.0.0.1"], {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    server = child;
    const origin = `http://127.0.0.1:${port}`;
    const healthy = () =>
      fetch(`${origin}/api/health`).then(
        (r) => r.status === 200,
        () => false,
      );
    for (let i = 0; !(await healthy()); i++) {
      if (i === 150 || child.exitCode !== null) throw new Error(`the production server did not become healthy within 30 s (exit ${child.exitCode})`);
      await sleep(200);
    }

    // The leader's loop writes its first set on election (empty: CrowdSec is off); after that it writes
    // only when the intent changes. Until then the rows would be replaced.
    db = createDb(url);
    for (let i = 0; (await readBlocklistState(db)).updatedAt === null; i++) {
      if (i === 100) throw new Error("the panel's decision loop wrote nothing within 20 s");
      await sleep(200);
    }
    const set = classifyDecisions(lapiDecisions());
    const t0 = performance.now();
    await replaceActiveDecisions(
      db,
      set.decisions.map((d) => ({
        id: d.id,
        value: d.value,
        scope: d.scope,
        type: d.type,
        origin: d.origin,
        scenario: d.scenario,
        expiresAt: d.expiresAt,
        enforced: d.enforced,
        notEnforcedReason: d.notEnforcedReason,
      })),
      new Date(),
    );
    const insertMs = Math.round(performance.now() - t0);

    const login = await fetch(`${origin}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ username: USER, password: PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const apiUrl = `${origin}/api/decisions?${QUERY}`;
    const bareUrl = `${origin}/api/session`;
    for (const target of [apiUrl, bareUrl]) {
      const anonymous = await fetch(target);
      if (anonymous.status !== 401) throw new Error(`${target} without a session answered ${anonymous.status}, expected 401`);
      const signedIn = await fetch(target, { headers: { cookie } });
      if (signedIn.status !== 200) throw new Error(`${target} with the session answered ${signedIn.status}: ${(await signedIn.text()).slice(0, 200)}`);
    }
    type View = { rows?: unknown[]; total: number; page: number; counts?: { active: number } };
    const page = async () => (await (await fetch(apiUrl, { headers: { cookie } })).json()) as View;
    const first = await page();
    if (first.counts?.active !== ROWS || first.page !== 2 || first.rows?.length !== 50)
      throw new Error(`the Decisions API answered ${JSON.stringify(first).slice(0, 300)}: expected page 2 of 50 rows out of ${ROWS} active`);
    say(
      `Decisions API: GET /api/decisions?${QUERY} (${first.total} of ${ROWS.toLocaleString("en")} active decisions match: ${set.enforced} enforced, ` +
        `${set.notEnforced} not; inserted with replaceActiveDecisions in ${insertMs} ms) vs GET /api/session (the session check alone)`,
    );
    say(
      `  production build through server.mjs on :${port}, temp SQLite (WAL, synchronous=FULL), CrowdSec off; both 200 signed in, 401 without; ` +
        `autocannon ${connections} connections, ${rounds} rounds of ${seconds} s each way, alternating which goes first; load average ${before.join(" ")}`,
    );

    const headers = { cookie };
    await rate(bareUrl, headers, connections, 3);
    await rate(apiUrl, headers, connections, 3);
    const runs: { api: { rps: number; p50: number }; bare: { rps: number; p50: number } }[] = [];
    for (let i = 0; i < rounds; i++) {
      const apiFirst = i % 2 === 1;
      const a = apiFirst ? await rate(apiUrl, headers, connections, seconds) : null;
      const bare = await rate(bareUrl, headers, connections, seconds);
      const api = a ?? (await rate(apiUrl, headers, connections, seconds));
      runs.push({ api, bare });
    }
    const after = await page();
    if (after.counts?.active !== ROWS) throw new Error(`the active set changed during the run: ${after.counts?.active ?? "?"} active`);

    const perRound = runs.map((r) => ({ api: Math.round(r.api.rps), bare: Math.round(r.bare.rps), ratio: r3(r.api.rps / r.bare.rps) }));
    const apiRps = mean(runs.map((r) => r.api.rps));
    const bareRps = mean(runs.map((r) => r.bare.rps));
    const ratio = median(perRound.map((r) => r.ratio));
    const result: DecisionsApiResult = {
      decisionsApiReqPerS: Math.round(apiRps),
      bareAuthReqPerS: Math.round(bareRps),
      ratio,
      ratioOfMeans: r3(apiRps / bareRps),
      target: DECISIONS_API_TARGET,
      met: ratio >= DECISIONS_API_TARGET,
      rounds: perRound,
      apiLatencyP50Ms: median(runs.map((r) => r.api.p50)),
      bareLatencyP50Ms: median(runs.map((r) => r.bare.p50)),
      rows: ROWS,
      matching: first.total,
      query: QUERY,
      connections,
      seconds,
      loadavg: { before, after: loadavg().map(r2) },
    };
    say(`  /api/decisions ${perRound.map((r) => r.api).join(", ")} req/s (p50 latency ${result.apiLatencyP50Ms} ms)`);
    say(`  /api/session   ${perRound.map((r) => r.bare).join(", ")} req/s (p50 latency ${result.bareLatencyP50Ms} ms)`);
    say(
      `  per round ${perRound.map((r) => r.ratio).join(", ")}: median ${ratio} (ratio of the means ${result.ratioOfMeans}); load average after ${result.loadavg.after.join(" ")}`,
    );
    return result;
  } finally {
    await db?.$disconnect();
    if (server) await stop(server);
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.env.WARDEN_LOG_LEVEL ??= "warn";
  try {
    const r = await measureDecisionsApi();
    console.log(`  ${(r.met ? "MET" : "MISSED").padEnd(6)} Decisions API ≥ ${r.target} × a bare authenticated route: ${r.ratio}`);
    console.log(JSON.stringify(r));
  } catch (error) {
    console.error(`bench:decisions-api FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
