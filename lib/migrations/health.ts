import type { GateResult } from "./gate";

/**
 * What /api/health tells a load balancer or a monitor: status, database reachability, migration counts,
 * what is missing. Never URLs, credentials or stack traces (the database error is reduced to its kind).
 */
export interface HealthBody {
  status: "healthy" | "pending" | "degraded";
  summary: string;
  database: { provider: string; reachable: boolean; latencyMs: number | null };
  migrations: Record<string, number>;
  missingTables: string[];
  missingColumns: string[];
  /** Named so an operator knows what to resolve; its database error is not here (it can quote row values). */
  failedMigrations: string[];
  degradedSince: string | null;
  checkedAt: string;
}

export function healthBody(gate: GateResult): HealthBody {
  const r = gate.report;
  return {
    status: r.status,
    summary: r.summary,
    database: { provider: r.provider, reachable: r.database.reachable, latencyMs: r.database.latencyMs },
    migrations: r.counts,
    missingTables: r.schema?.missingTables ?? [],
    missingColumns: r.schema?.missingColumns ?? [],
    failedMigrations: r.migrations.filter((m) => m.state === "failed").map((m) => m.name),
    degradedSince: gate.degradedSince,
    checkedAt: r.checkedAt,
  };
}

const AUTH_TABLES = ["users", "sessions", "accounts", "verifications"];

/**
 * Whether sign-in can work although the schema is degraded (e.g. a modified migration): then an
 * admin may sign in for the full /migrations report. Not when the database is unreachable or the
 * account and session tables are incomplete (ADR 004: the reduced view then).
 */
export function sessionsUsable(gate: GateResult): boolean {
  const r = gate.report;
  if (!r.database.reachable || !r.schema) return false;
  if (r.schema.missingTables.some((t) => AUTH_TABLES.includes(t))) return false;
  return !r.schema.missingColumns.some((c) => AUTH_TABLES.includes(c.split(".")[0]!));
}
