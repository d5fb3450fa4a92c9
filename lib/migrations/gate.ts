import "server-only";
import { existsSync } from "node:fs";
import { providerOf, redactUrl, sqlitePath } from "../db-url";
import { env } from "../env";
import { log } from "../log";
import { buildMigrationReport, type MigrationReport } from "./report";
import { processSlot } from "../process-registry";
import { migrateSafely } from "./safe-migrate";

// The schema gate: is the database fit to serve? Every page, action and route asks it before
// touching data. The report is cached for at most GATE_CACHE_MS, so a fix (`npm run cli -- migrate`)
// is seen within a second, without a restart, and a burst of requests builds it once.
export const GATE_CACHE_MS = 1_000;
// While degraded, the reason is logged at ERROR this often until it is fixed.
export const DEGRADED_LOG_INTERVAL_MS = 60_000;

interface GateState {
  report: MigrationReport | null;
  at: number;
  inflight: Promise<MigrationReport> | null;
  degradedSince: string | null;
  timer: ReturnType<typeof setInterval> | null;
  /** The clock the cache's age is measured on (epoch ms); tests move it instead of waiting. */
  now: () => number;
}

const gateSlot = processSlot<GateState>("schema-gate");
const state = (): GateState => gateSlot.getOrCreate(() => ({ report: null, at: 0, inflight: null, degradedSince: null, timer: null, now: () => Date.now() }));

export interface GateResult {
  ok: boolean;
  report: MigrationReport;
  degradedSince: string | null;
}

function record(report: MigrationReport): void {
  const s = state();
  const wasDegraded = s.degradedSince !== null;
  s.report = report;
  s.at = s.now();
  if (report.status !== "healthy" && !wasDegraded) s.degradedSince = report.checkedAt;
  if (report.status === "healthy" && wasDegraded) {
    log.info(
      { event: "schema_gate", source: "lib/migrations/gate", status: "healthy", degradedSince: s.degradedSince },
      "schema healthy again: leaving schema-degraded mode",
    );
    s.degradedSince = null;
  }
}

/**
 * The current verdict, from a report at most GATE_CACHE_MS old. `fresh`: look again now (after a
 * query failed, to tell "the schema broke in the last second" from a bug).
 */
export async function schemaGate(url: string = env().DATABASE_URL, { fresh = false } = {}): Promise<GateResult> {
  const s = state();
  if (!s.report || fresh || s.now() - s.at > GATE_CACHE_MS) {
    s.inflight ??= buildMigrationReport(url).finally(() => {
      s.inflight = null;
    });
    record(await s.inflight);
  }
  const report = s.report!;
  return { ok: report.status === "healthy", report, degradedSince: s.degradedSince };
}

/** WARDEN_MIGRATE_ON_BOOT: default on for SQLite (one process), off for PostgreSQL (a deploy step). */
export function migrateOnBoot(url: string): boolean {
  return env().WARDEN_MIGRATE_ON_BOOT ?? providerOf(url) === "sqlite";
}

/**
 * At boot, before serving: check migrations and schema; apply pending migrations when allowed;
 * otherwise (or if anything else is wrong) enter schema-degraded mode, log the reason at ERROR now
 * and periodically until it is fixed.
 */
export async function runBootGate(url: string = env().DATABASE_URL): Promise<GateResult> {
  const started = performance.now();
  const autoMigrate = migrateOnBoot(url);
  // A fresh install: no SQLite file yet. Migrating creates it; the report alone would call it unreachable.
  if (autoMigrate && providerOf(url) === "sqlite" && !existsSync(sqlitePath(url, { createDir: false }))) {
    try {
      await migrateSafely(url);
      log.info({ event: "boot_migrate", source: "lib/migrations/gate", reason: "new database" }, "created and migrated a new SQLite database");
    } catch (error) {
      log.error({ event: "boot_migrate_failed", source: "lib/migrations/gate", reason: (error as Error).message }, "could not create the SQLite database");
    }
  }
  let report = await buildMigrationReport(url);
  if (report.status === "pending" && autoMigrate) {
    try {
      // A backup first (a failed backup applies nothing); its path and restore command are logged.
      const result = await migrateSafely(url);
      log.info(
        {
          event: "boot_migrate",
          source: "lib/migrations/gate",
          applied: result.applied.map((a) => a.name),
          backup: result.backup?.path ?? null,
          backupSkipped: result.backupSkipped,
        },
        "applied pending migrations at boot",
      );
    } catch (error) {
      log.error(
        { event: "boot_migrate_failed", source: "lib/migrations/gate", reason: (error as Error).message },
        "could not apply pending migrations at boot",
      );
    }
    report = await buildMigrationReport(url);
  } else if (report.status === "pending") {
    log.warn(
      { event: "boot_migrate_skipped", source: "lib/migrations/gate", reason: "WARDEN_MIGRATE_ON_BOOT is off", pending: report.counts.pending },
      "pending migrations not applied at boot (WARDEN_MIGRATE_ON_BOOT is off): run `npm run cli -- migrate`",
    );
  }
  record(report);
  const fields = {
    event: "boot_schema_gate",
    source: "lib/migrations/gate",
    database: redactUrl(url),
    status: report.status,
    counts: report.counts,
    reasons: report.reasons,
    ms: Math.round(performance.now() - started),
  };
  if (report.status === "healthy") log.info(fields, "schema gate: healthy");
  else {
    log.error(fields, `schema gate: ${report.summary} The panel is in schema-degraded mode.`);
    startDegradedLogging(url);
  }
  return { ok: report.status === "healthy", report, degradedSince: state().degradedSince };
}

function startDegradedLogging(url: string): void {
  const s = state();
  if (s.timer) return;
  s.timer = setInterval(async () => {
    const gate = await schemaGate(url);
    if (gate.ok) {
      clearInterval(s.timer!);
      s.timer = null;
      return;
    }
    log.error(
      { event: "schema_degraded", source: "lib/migrations/gate", since: gate.degradedSince, reasons: gate.report.reasons },
      `still schema-degraded: ${gate.report.summary}`,
    );
  }, DEGRADED_LOG_INTERVAL_MS);
  s.timer.unref?.();
}

/**
 * For tests: the clock the cached verdict's age is read from, so a test can step past GATE_CACHE_MS
 * instead of waiting it out. Applies until resetSchemaGate().
 */
export function setSchemaGateClock(now: () => number): void {
  state().now = now;
}

/** For tests: forget the cached verdict (and a clock set by setSchemaGateClock). */
export function resetSchemaGate(): void {
  const s = state();
  if (s.timer) clearInterval(s.timer);
  gateSlot.clear();
}

/**
 * Runs `fn`; if it fails unexpectedly and a fresh look finds the schema degraded, the failure is the
 * schema's (it broke since the cached verdict): returns the verdict instead, for a notice or a
 * SCHEMA_DEGRADED answer rather than an error page. Other failures are rethrown.
 */
export async function orDegraded<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; gate: GateResult }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if ((error as { expected?: boolean }).expected) throw error;
    if (error instanceof Error && "digest" in error) throw error; // redirect()/notFound()
    const gate = await schemaGate(undefined, { fresh: true });
    if (gate.ok) throw error;
    log.warn(
      { event: "request_hit_degraded_schema", reason: (error as Error).message, summary: gate.report.summary },
      "a request failed because the schema is degraded",
    );
    return { ok: false, gate };
  }
}
