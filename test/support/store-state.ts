import { openRawConnection } from "../../lib/migrations/connection";
import type { Db } from "../../lib/db";
import { checkStoreConsistency } from "../../lib/security/consistency";
import { auditSnapshot } from "../../lib/security/intent";
import { PROTECTIONS, type Protection } from "../../lib/security/spec/protections";
import { rowToIntent } from "../../lib/security/row-mapping";

// Reads the security store the way an operator would check it after an incident: raw dumps of the
// tables (byte for byte), and the store's invariants (docs/decisions/002 and 012: mirror == config,
// committed audit rows == global version, config == the latest committed change of each protection).

export interface TableDump {
  securityConfigs: string[];
  settings: string[];
}

/** Every row of security_configs and settings, each rendered exactly as the database stores it. */
export async function dumpIntentTables(url: string): Promise<TableDump> {
  const conn = await openRawConnection(url);
  try {
    const dump = async (table: string, order: string): Promise<string[]> => {
      if (conn.provider === "postgresql") {
        const rows = await conn.query<{ line: string }>(`SELECT t::text AS line FROM "${table}" t ORDER BY ${order}`);
        return rows.map((r) => r.line);
      }
      // quote() renders each value with its storage class (text quoted, integers bare, blobs as X'..').
      const cols = await conn.query<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [table]);
      const line = cols.map((c) => `quote("${c.name}")`).join(` || '|' || `);
      const rows = await conn.query<{ line: string }>(`SELECT ${line} AS line FROM "${table}" ORDER BY ${order}`);
      return rows.map((r) => r.line);
    };
    return { securityConfigs: await dump("security_configs", `"id"`), settings: await dump("settings", `"key"`) };
  } finally {
    await conn.close();
  }
}

export interface AuditRow {
  id: number;
  action: string;
  protection: string | null;
  before: string | null;
  after: string | null;
  outcome: string;
  error: string | null;
  actor: string;
  requestId: string;
  configVersion: number | null;
  runtimeResult: string | null;
  /** Set on a runtime-result row: the change it reports on. */
  changeId: number | null;
}

export async function auditRows(db: Db): Promise<AuditRow[]> {
  const rows = await db.securityAudit.findMany({ orderBy: { id: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    action: r.action,
    protection: r.protection,
    before: r.before,
    after: r.after,
    outcome: r.outcome,
    error: r.error,
    actor: r.actor,
    requestId: r.requestId,
    configVersion: r.configVersion,
    runtimeResult: r.runtimeResult,
    changeId: r.changeId,
  }));
}

export interface StoreInvariants {
  configPresent: boolean;
  globalVersion: number | null;
  committedAudits: number;
  /** The committed (and rolled_back) rows' config versions are exactly 1..globalVersion, each once. */
  committedVersionsContiguous: boolean;
  mirrorMatchesConfig: boolean;
  mismatches: unknown[];
  /** Per protection: does the config equal the `after` of its latest committed audit row? */
  configMatchesLatestCommit: Record<Protection, boolean>;
}

const NOT_PROTECTION_INTENT = new Set([
  "scenario",
  "adopt_scenarios",
  "repair_mirror",
  "site_add",
  "site_update",
  "site_remove",
  "site_rollback",
  "waf_exclusion_add",
  "waf_exclusion_remove",
]);

/**
 * The invariants after any sequence of changes, kills or races. "Latest committed audit row of a
 * protection" counts `initialize`/`recover` rows (protection null, `after` holds every protection).
 */
export async function storeInvariants(db: Db): Promise<StoreInvariants> {
  const [row, audits, consistency] = await Promise.all([
    db.securityConfig.findUnique({ where: { id: 1 } }),
    // Compensating commits (`rolled_back`) take a version like any other commit (ADR 005).
    db.securityAudit.findMany({ where: { outcome: { in: ["committed", "rolled_back"] } }, orderBy: { configVersion: "asc" } }),
    checkStoreConsistency(db),
  ]);
  const versions = audits.map((a) => a.configVersion);
  const latest: Partial<Record<Protection, unknown>> = {};
  for (const audit of audits) {
    // Scenario switches, their adoption, mirror repairs and site changes take a version but are not a protection's intent.
    if (NOT_PROTECTION_INTENT.has(audit.action)) continue;
    const after = JSON.parse(audit.after ?? "null") as Record<string, unknown>;
    if (audit.protection === null) for (const p of PROTECTIONS) latest[p] = after[p];
    else latest[audit.protection as Protection] = after;
  }
  const intent = row ? rowToIntent(row) : null;
  const configMatchesLatestCommit = Object.fromEntries(
    PROTECTIONS.map((p) => [p, intent !== null && JSON.stringify(sortKeys(auditSnapshot(intent[p]))) === JSON.stringify(sortKeys(latest[p]))]),
  ) as Record<Protection, boolean>;
  return {
    configPresent: row !== null,
    globalVersion: row?.version ?? null,
    committedAudits: audits.length,
    committedVersionsContiguous: versions.every((v, i) => v === i + 1),
    mirrorMatchesConfig: consistency.consistent,
    mismatches: consistency.mismatches,
    configMatchesLatestCommit,
  };
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
}

/** What storeInvariants() reports for a healthy store at global version `version`. */
export function healthyAt(version: number): StoreInvariants {
  return {
    configPresent: true,
    globalVersion: version,
    committedAudits: version,
    committedVersionsContiguous: true,
    mirrorMatchesConfig: true,
    mismatches: [],
    configMatchesLatestCommit: { crowdsec: true, waf: true, rate_limit: true },
  };
}
