// `npm run bench:auth`: what authentication costs. (1) The session check every logged-in request pays:
// lib/auth/guard.ts getAdminSession() with a valid session cookie, server-side (no HTTP), after a
// warm-up, p50/p99 over BENCH_SESSION_CHECKS checks, on SQLite and on PostgreSQL. (2) Password hashing
// (better-auth's scrypt, as setup, login and password changes use it): median of BENCH_HASHES hashes.
// Production durability settings (SQLite WAL + synchronous=FULL as lib/db.ts sets them; PostgreSQL
// server defaults). The last line is one JSON object. Exit 1 only when the bench itself failed.
// See bench/README.md for the figures measured on this machine and how to reproduce them.

// Logging at info would print lines per login and measure the logger; the bench says so below.
process.env.WARDEN_LOG_LEVEL = "warn";

import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

// Dynamic imports: lib/log reads WARDEN_LOG_LEVEL when it is first loaded.
const { db: processDb } = await import("../lib/db");
const { resetEnvCache } = await import("../lib/env");
const { migrateDatabase } = await import("../lib/migrations/run");
const { resetAuthSettingsForTests } = await import("../lib/auth/settings");
const { createAdminFromCli } = await import("../lib/auth/setup");
const { login } = await import("../lib/auth/login");
const { getAdminSession } = await import("../lib/auth/guard");
const { auth } = await import("../lib/auth/auth");
const { authSecret } = await import("../lib/auth/secret");
const { hashPassword, verifyPassword } = await import("better-auth/crypto");

// The session cookie is `<token>.<base64 HMAC-SHA256>`; better-auth's endpoint layer (better-call)
// imports the key and verifies it with WebCrypto on every check, as these two do.
const HMAC = { name: "HMAC", hash: "SHA-256" };
const getCryptoKey = (secret: string) => crypto.subtle.importKey("raw", new TextEncoder().encode(secret), HMAC, false, ["sign", "verify"]);
const verifySignature = (signature: string, value: string, key: CryptoKey) =>
  crypto.subtle.verify(HMAC, key, Uint8Array.from(atob(signature), (c) => c.charCodeAt(0)), new TextEncoder().encode(value));
type Db = ReturnType<typeof processDb>;

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
const CHECKS = int("BENCH_SESSION_CHECKS", 2000);
const WARMUP = int("BENCH_WARMUP", 200);
const HASHES = int("BENCH_HASHES", 10);
const PG_ADMIN_URL = process.env.WARDEN_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TARGETS = { sessionCheckP50Ms: 2, hashMinMs: 100, hashMaxMs: 300 };
const PASSWORD = "bench admin passphrase";

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const r1 = (n: number) => Math.round(n * 10) / 10;

interface Latency {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}
function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length, max: sorted.at(-1)! };
}
const fmt = (l: Latency) => `p50 ${r3(l.p50).toFixed(3)} ms   p99 ${r3(l.p99).toFixed(3)} ms   mean ${r3(l.mean).toFixed(3)} ms   max ${r1(l.max)} ms`;

/** Points the process's auth (a global built from the environment) at `url`, as a fresh start would. */
async function pointAuthAt(url: string, dataDir: string): Promise<Db> {
  const globals = globalThis as unknown as { wardenAuth?: unknown; wardenDb?: Db };
  await globals.wardenDb?.$disconnect();
  delete globals.wardenAuth;
  delete globals.wardenDb;
  process.env.DATABASE_URL = url;
  process.env.WARDEN_DATA_DIR = dataDir;
  resetEnvCache();
  resetAuthSettingsForTests();
  return processDb();
}

interface ProviderResult {
  check: Latency;
  /** Where the time goes: p50 of each part of a check, measured on its own. */
  parts: Record<string, number>;
}

async function benchProvider(label: string, url: string, dataDir: string): Promise<ProviderResult> {
  await migrateDatabase(url);
  const db = await pointAuthAt(url, dataDir);
  await createAdminFromCli(db, "admin", PASSWORD);
  const outcome = await login(db, { username: "admin", password: PASSWORD }, new Headers({ "x-forwarded-for": "127.0.0.1" }));
  if (!outcome.ok) throw new Error(`${label}: login failed: ${outcome.message}`);
  const cookie = outcome.setCookies.map((c) => c.split(";")[0]).join("; ");
  const headers = new Headers({ cookie });
  const first = await getAdminSession(db, headers);
  if (!first) throw new Error(`${label}: the session cookie from login was not accepted`);
  const { token } = first.session;
  const userId = first.user.id;

  const check = async () => {
    if (!(await getAdminSession(db, headers))) throw new Error(`${label}: session check returned null`);
  };

  // Where the time goes: the check, then each part of it on its own (same warm-up and count; each in
  // its own sequential block, as the check runs: interleaving them changes what the JIT and GC see).
  const context = await auth().$context;
  const signed = decodeURIComponent(/warden\.session_token=([^;]+)/.exec(cookie)![1]!);
  const signature = signed.slice(signed.lastIndexOf(".") + 1);
  const secret = authSecret();
  const parts: [string, string, () => Promise<unknown>][] = [
    ["check", "getAdminSession (lib/auth/guard.ts: the whole check)", check],
    ["library", "auth().api.getSession (the library call the guard makes)", () => auth().api.getSession({ headers })],
    ["pipeline", "auth().api.ok (endpoint pipeline and hooks only, no cookie, no DB)", () => auth().api.ok()],
    ["next_headers", "next/headers headers() outside a request (nextCookies' hook)", async () => {
      try {
        await (await import("next/headers.js")).headers();
      } catch {
        // Outside a Next.js request it throws; the plugin catches it the same way.
      }
    }],
    ["find_session", "internalAdapter.findSession (library adapter: session, then user)", () => context.internalAdapter.findSession(token)],
    ["prisma_two_reads", "the same two reads with Prisma directly", async () => {
      await db.session.findFirst({ where: { token } });
      await db.user.findFirst({ where: { id: userId } });
    }],
    ["prisma_one_read", "one Prisma read with the user included", () => db.session.findUnique({ where: { token }, include: { user: true } })],
    ["hmac", "cookie signature: importKey + HMAC verify", async () => verifySignature(signature, token, await getCryptoKey(secret))],
    ["check_again", "getAdminSession again, after the parts (spread within a run)", check],
  ];
  const samples = new Map<string, number[]>();
  for (const [name, , fn] of parts) {
    for (let i = 0; i < WARMUP; i++) await fn();
    const timed: number[] = [];
    for (let i = 0; i < CHECKS; i++) {
      const started = performance.now();
      await fn();
      timed.push(performance.now() - started);
    }
    samples.set(name, timed);
  }
  const result: ProviderResult = { check: latency(samples.get("check")!), parts: {} };
  console.log(`  ${label.padEnd(10)} getAdminSession ${fmt(result.check)}`);
  for (const [name, description] of parts.slice(1)) {
    result.parts[name] = latency(samples.get(name)!).p50;
    console.log(`  ${label.padEnd(10)}   ${description.padEnd(68)} p50 ${r3(result.parts[name]!).toFixed(3)} ms`);
  }
  // The checks must not have slid or ended the session (updateAge is 5 min): still exactly one.
  if ((await db.session.count()) !== 1) throw new Error(`${label}: expected exactly one session after the run`);
  return result;
}

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-auth-"));
  const pgName = `warden_bench_${Math.random().toString(36).slice(2, 10)}`;
  let pgCreated = false;
  try {
    console.log("bench:auth: session check (getAdminSession, valid cookie, server-side) and password hashing");
    console.log(`  machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${loadavg().map(r1).join(" ")}`);
    console.log(`  checks: ${WARMUP} warm-up, then ${CHECKS} sequential; hashing: median of ${HASHES}`);
    console.log("  durability: SQLite journal_mode=WAL, synchronous=FULL (lib/db.ts); PostgreSQL server defaults");
    console.log("  logging: WARDEN_LOG_LEVEL=warn (info would log every sign-in)");
    console.log("  better-auth: cookie cache off (every check reads the database), rate limit off (Warden's lockout)");

    // Password hashing first, on an otherwise idle process.
    await hashPassword("warm-up passphrase");
    const hashSamples: number[] = [];
    const verifySamples: number[] = [];
    for (let i = 0; i < HASHES; i++) {
      let started = performance.now();
      const hash = await hashPassword(`${PASSWORD} ${i}`);
      hashSamples.push(performance.now() - started);
      started = performance.now();
      if (!(await verifyPassword({ hash, password: `${PASSWORD} ${i}` }))) throw new Error("verifyPassword refused its own hash");
      verifySamples.push(performance.now() - started);
    }
    const hash = latency(hashSamples);
    const verify = latency(verifySamples);
    console.log(`  password hash (scrypt)   median ${r1(hash.p50)} ms   max ${r1(hash.max)} ms`);
    console.log(`  password verify          median ${r1(verify.p50)} ms   max ${r1(verify.max)} ms`);

    const sqlite = await benchProvider("sqlite", `file:${join(dir, "warden.db")}`, join(dir, "data"));
    await pgAdmin((c) => c.query(`CREATE DATABASE "${pgName}"`));
    pgCreated = true;
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${pgName}`;
    const postgres = await benchProvider("postgresql", u.toString(), join(dir, "data"));

    const verdict = (ok: boolean) => (ok ? "MET" : "MISSED");
    console.log(`  target session check p50 < ${TARGETS.sessionCheckP50Ms} ms: SQLite ${verdict(sqlite.check.p50 < TARGETS.sessionCheckP50Ms)}, PostgreSQL ${verdict(postgres.check.p50 < TARGETS.sessionCheckP50Ms)}`);
    console.log(`  target hash ${TARGETS.hashMinMs}–${TARGETS.hashMaxMs} ms: ${verdict(hash.p50 >= TARGETS.hashMinMs && hash.p50 <= TARGETS.hashMaxMs)}`);
    console.log(
      JSON.stringify({
        session_check_p50_ms: r3(sqlite.check.p50),
        session_check_p99_ms: r3(sqlite.check.p99),
        session_check_mean_ms: r3(sqlite.check.mean),
        postgres_session_check_p50_ms: r3(postgres.check.p50),
        postgres_session_check_p99_ms: r3(postgres.check.p99),
        postgres_session_check_mean_ms: r3(postgres.check.mean),
        sqlite_parts_p50_ms: Object.fromEntries(Object.entries(sqlite.parts).map(([k, v]) => [k, r3(v)])),
        postgres_parts_p50_ms: Object.fromEntries(Object.entries(postgres.parts).map(([k, v]) => [k, r3(v)])),
        password_hash_ms: r1(hash.p50),
        password_hash_max_ms: r1(hash.max),
        password_verify_ms: r1(verify.p50),
        checks: CHECKS,
        hashes: HASHES,
        session_check_target_met: sqlite.check.p50 < TARGETS.sessionCheckP50Ms && postgres.check.p50 < TARGETS.sessionCheckP50Ms,
        password_hash_target_met: hash.p50 >= TARGETS.hashMinMs && hash.p50 <= TARGETS.hashMaxMs,
        load_average_1m: r1(loadavg()[0]!),
      }),
    );
  } finally {
    const globals = globalThis as unknown as { wardenDb?: Db };
    await globals.wardenDb?.$disconnect();
    if (pgCreated) await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${pgName}" WITH (FORCE)`));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error("bench:auth FAILED:", error);
    process.exit(1);
  },
);
