// npm run bench:drift — the drift detector (docs/decisions/007):
//  1. one full check (all four surfaces) with 5,000 symlinked scenario files on disk and 5,000
//     scenario intent rows, every link re-read (target ≤ 50 ms; median of BENCH_CHECKS after a
//     warm-up); also the cached case (directory unchanged since the last check),
//  2. runtime file change (a scenario link removed or re-created) → snapshot updated, through the
//     file watch (target p95 ≤ 1 s over BENCH_CHANGES changes),
//  3. GET /api/security/drift req/s against the production build with an authenticated session,
//     beside a trivial authenticated route (GET /api/session) measured in the same run (target ≥ 0.8
//     of its rate). Needs `npm run build`; BENCH_HTTP=0 skips it.
// Last line: one JSON object. Exit 1 only when the bench itself failed; a missed target is reported.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

process.env.WARDEN_LOG_LEVEL ??= "warn";
const { createDb } = await import("../lib/db");
const { migrateDatabase } = await import("../lib/migrations/run");
const { createEngine } = await import("../lib/engine/engine");
const { crowdsecSettingsFrom } = await import("../lib/engine/crowdsec/settings");
const { DriftDetector } = await import("../lib/drift/detector");
const { readIntent } = await import("../lib/security/intent-store");
const { adoptScenarios } = await import("../lib/security/scenario-intent");
const { createAdminFromCli } = await import("../lib/auth/first-admin");

const SCENARIOS = 5_000;
const CHECKS = Number(process.env.BENCH_CHECKS ?? 40);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 20);
const HTTP = process.env.BENCH_HTTP !== "0";
const root = join(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "warden-bench-drift-"));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const round = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An instance layout with SCENARIOS hub scenarios, every one enabled by a symlink (as cscli does). */
function layout(dir: string): { scenarios: string; hub: string; names: string[] } {
  const scenarios = join(dir, "etc", "scenarios");
  const hub = join(dir, "hub", "scenarios");
  mkdirSync(scenarios, { recursive: true });
  const names: string[] = [];
  for (let a = 0; a < 50; a++) {
    const author = `author${String(a).padStart(2, "0")}`;
    mkdirSync(join(hub, author), { recursive: true });
    for (let i = 0; i < SCENARIOS / 50; i++) {
      const stem = `${author}-scenario-${String(i).padStart(3, "0")}`;
      const file = join(hub, author, `${stem}.yaml`);
      writeFileSync(file, `type: leaky\nname: ${author}/${stem}\ndescription: bench\n`);
      symlinkSync(file, join(scenarios, `${stem}.yaml`));
      names.push(`${author}/${stem}`);
    }
  }
  return { scenarios, hub, names };
}

async function main(): Promise<void> {
  // The detector's timers and watches are unref'd (they must never keep a process alive): hold the loop.
  const keepAlive = setInterval(() => {}, 1_000);
  try {
    await run();
  } finally {
    clearInterval(keepAlive);
  }
}

async function run(): Promise<void> {
  console.log(`bench:drift — ${SCENARIOS} symlinked scenarios, SQLite (WAL, synchronous=FULL), 2-core machine`);
  const instanceDir = join(work, "crowdsec");
  const { scenarios, hub, names } = layout(instanceDir);
  const url = `file:${join(work, "warden.db")}`;
  await migrateDatabase(url);
  const db = createDb(url);
  await readIntent(db);
  await adoptScenarios(db, names);
  const crowdsec = crowdsecSettingsFrom({ instanceDir, lapiPort: 18999, prometheusPort: 18998 });
  const tuningFile = join(work, "waf", "crs-tuning.conf");
  const engine = createEngine(db, { crowdsec, waf: { tuningFile } });
  await engine.appliers.waf.request(); // what the boot reconcile does: the tuning file rendered

  // 1. Full checks (no watch, no ticker: the bench calls check() itself).
  const quiet = new DriftDetector({ db, engine, settings: { intervalMs: 3_600_000, engineIntervalMs: 3_600_000, watch: false, debounceMs: 0 } });
  await quiet.start();
  const report = quiet.report();
  for (const s of Object.values(report.surfaces))
    if (s.verdict !== "in_sync")
      throw new Error(`${s.surface} is ${s.verdict} (${s.reason ?? JSON.stringify(s.differences.slice(0, 2))}): the bench expects all in sync`);
  // a) Every check re-reads the directory and all 5,000 link targets: the directory's mtime is moved
  //    before each check, so the listing cache (keyed by dev/inode/mtime) never answers. This is the
  //    figure the target is judged on.
  const checks: number[] = [];
  for (let i = 0; i < CHECKS + 5; i++) {
    const t0 = Date.now() / 1000 - 10 - i;
    utimesSync(scenarios, t0, t0);
    const t = performance.now();
    await quiet.check();
    if (i >= 5) checks.push(performance.now() - t);
    if (quiet.report().surfaces.scenarios.verdict !== "in_sync") throw new Error("scenarios not in sync during the bench");
  }
  // b) The usual ticker case: nothing changed since the last check (listing and targets cached).
  const cached: number[] = [];
  for (let i = 0; i < CHECKS + 5; i++) {
    const t = performance.now();
    await quiet.check();
    if (i >= 5) cached.push(performance.now() - t);
  }
  quiet.stop();
  const check5000 = pct(checks, 50);
  console.log(`  full check, ${SCENARIOS} scenarios re-read: p50 ${round(check5000)} ms, p95 ${round(pct(checks, 95))} ms (${CHECKS} checks after 5 warm-up)`);
  console.log(`  full check, directory unchanged (cached listing): p50 ${round(pct(cached, 50))} ms, p95 ${round(pct(cached, 95))} ms`);

  // 2. File change → snapshot, through the file watch (ticker at 1 h).
  const watcher = new DriftDetector({ db, engine, settings: { intervalMs: 3_600_000, engineIntervalMs: 3_600_000, watch: true, debounceMs: 100 } });
  await watcher.start();
  const changes: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const name = names[i * 97]!;
    const stem = name.split("/")[1]!;
    const link = join(scenarios, `${stem}.yaml`);
    const t = performance.now();
    unlinkSync(link);
    while (!watcher.report().surfaces.scenarios.differences.some((d) => d.item === `scenario ${name}`)) {
      if (performance.now() - t > 10_000) throw new Error("no snapshot change within 10 s");
      await sleep(2);
    }
    changes.push(performance.now() - t);
    symlinkSync(join(hub, name.split("/")[0]!, `${stem}.yaml`), link);
    while (watcher.report().surfaces.scenarios.verdict !== "in_sync") await sleep(5);
    await sleep(50);
  }
  watcher.stop();
  const changeP95 = pct(changes, 95);
  console.log(`  file change → snapshot: p50 ${round(pct(changes, 50))} ms, p95 ${round(changeP95)} ms (${CHANGES} changes, debounce 100 ms)`);

  // 3. HTTP throughput of the cached snapshot beside a trivial authenticated route.
  let drift = 0;
  let bare = 0;
  if (HTTP) {
    if (!existsSync(join(root, ".next", "BUILD_ID"))) throw new Error("no production build: run `npm run build` first (or BENCH_HTTP=0)");
    await createAdminFromCli(db, "bench", "bench admin passphrase");
    await db.$disconnect();
    const port = 3950 + Math.floor(Math.random() * 40);
    const server = await startServer(url, port, instanceDir, tuningFile);
    try {
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: `http://127.0.0.1:${port}` },
        body: JSON.stringify({ username: "bench", password: "bench admin passphrase" }),
      });
      if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const body = (await (await fetch(`http://127.0.0.1:${port}/api/security/drift`, { headers: { cookie } })).json()) as {
        surfaces?: Record<string, { verdict: string }>;
      };
      if (!body.surfaces) throw new Error(`drift route answered ${JSON.stringify(body).slice(0, 200)}`);
      console.log(
        `  drift route answers: ${Object.values(body.surfaces)
          .map((s) => s.verdict)
          .join(", ")}`,
      );
      await rate(`http://127.0.0.1:${port}/api/session`, cookie, 2);
      await rate(`http://127.0.0.1:${port}/api/security/drift`, cookie, 2);
      bare = await rate(`http://127.0.0.1:${port}/api/session`, cookie, 10);
      drift = await rate(`http://127.0.0.1:${port}/api/security/drift`, cookie, 10);
    } finally {
      server.kill("SIGTERM");
    }
    console.log(
      `  GET /api/session (trivial authenticated route): ${bare} req/s; GET /api/security/drift: ${drift} req/s (ratio ${round(drift / bare)}; autocannon, 10 connections, 10 s each, same run)`,
    );
  } else {
    await db.$disconnect();
    console.log("  HTTP part skipped (BENCH_HTTP=0)");
  }
  engine.close();

  const targets: [string, boolean][] = [
    [`full check with ${SCENARIOS} scenarios ≤ 50 ms`, check5000 <= 50],
    ["file change → snapshot p95 ≤ 1 s", changeP95 <= 1000],
  ];
  if (HTTP) targets.push(["GET /api/security/drift ≥ 0.8 × trivial authenticated route", drift / bare >= 0.8]);
  for (const [label, met] of targets) console.log(`  ${met ? "MET   " : "MISSED"} ${label}`);
  console.log(
    JSON.stringify({
      check_5000_ms: round(check5000),
      check_5000_p95_ms: round(pct(checks, 95)),
      check_5000_cached_ms: round(pct(cached, 50)),
      change_to_snapshot_p50_ms: round(pct(changes, 50)),
      change_to_snapshot_p95_ms: round(changeP95),
      drift_api_req_per_s: HTTP ? drift : null,
      bare_auth_req_per_s: HTTP ? bare : null,
      drift_to_bare_ratio: HTTP ? round(drift / bare) : null,
      targets_met: targets.every(([, met]) => met),
    }),
  );
}

async function rate(url: string, cookie: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, connections: 10, duration: seconds, headers: { cookie } });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return Math.round(result.requests.average);
}

async function startServer(url: string, port: number, instanceDir: string, tuningFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, "server.mjs"), "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      WARDEN_DATA_DIR: work,
      CROWDSEC_INSTANCE_DIR: instanceDir,
      CROWDSEC_LAPI_PORT: "18999",
      CROWDSEC_PROMETHEUS_PORT: "18998",
      WARDEN_WAF_TUNING_FILE: tuningFile,
      WARDEN_LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 150; i++) {
    await sleep(200);
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return child;
  }
  child.kill("SIGTERM");
  throw new Error("the production server did not become healthy within 30 s");
}

main()
  .catch((error: unknown) => {
    console.error(`bench:drift FAILED: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
