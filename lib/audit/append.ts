import "server-only";
import type { Db, Tx } from "../db";
import { log } from "../log";

// The only writer of `security_audits`. The log is append-only: a row is inserted once and never
// updated. What the runtime later did with a committed change is a row of its own
// (`runtime_result`) whose `change_id` names the change; the list query shows it on the change's line.
// Only commits (`committed`, `rolled_back`) carry a config version, so "committed rows == global
// version" is untouched by rejections, applies and runtime results.

export type AuditAction =
  | "toggle"
  | "update"
  | "initialize"
  | "recover"
  | "rollback"
  | "repair_mirror"
  | "scenario"
  | "adopt_scenarios"
  | "apply_runtime"
  | "runtime_result"
  | "site_add"
  | "site_update"
  | "site_remove"
  /** A site change the edge could not apply, undone (a compensating commit, like a protection's rollback). */
  | "site_rollback"
  /** Verify protection: what the probes through the edge saw (not a commit). */
  | "verify"
  | "waf_exclusion_add"
  | "waf_exclusion_remove"
  /** The one-time conversion of a rate limit stored as requests per window (a system commit at boot). */
  | "convert_rate_limit"
  /** A ban or unban through CrowdSec's Local API (not a commit: LAPI holds decisions). */
  | "ban"
  | "unban";

/** Commits and refusals; then what the runtime did (an Apply to runtime, or one change's result). */
export type AuditOutcome = "committed" | "rejected" | "rolled_back" | "applied" | "failed" | "superseded" | "not_managed";

export interface AuditRecord {
  /** Defaults to now; a commit passes the instant it wrote the intent with. */
  at?: Date;
  actor: string;
  action: AuditAction;
  /** null for whole-config events (initialize, recover, repair_mirror, apply_runtime). */
  protection: string | null;
  /** JSON-able values, stored as JSON text; null when there is nothing to say. */
  before?: unknown;
  after?: unknown;
  outcome: AuditOutcome;
  error?: string | null;
  requestId: string;
  /** The global config version a commit produced; null for everything that is not a commit. */
  configVersion?: number | null;
  runtimeResult?: unknown;
  /** On a runtime-result row: the audit id of the change it reports on. */
  changeId?: number | null;
}

const json = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * Inserts one row and returns its id. Pass the transaction client when the row belongs to a commit
 * (it then commits or rolls back with the intent), the database otherwise.
 */
export async function appendAudit(client: Db | Tx, r: AuditRecord): Promise<number> {
  const rows = await client.$queryRaw<{ id: number | bigint }[]>`
    INSERT INTO "security_audits" ("at", "actor", "action", "protection", "before", "after", "outcome", "error", "request_id", "config_version", "runtime_result", "change_id")
    VALUES (${r.at ?? new Date()}, ${r.actor}, ${r.action}, ${r.protection}, ${json(r.before)}, ${json(r.after)}, ${r.outcome}, ${r.error ?? null}, ${r.requestId}, ${r.configVersion ?? null}, ${json(r.runtimeResult)}, ${r.changeId ?? null})
    RETURNING "id"`;
  return Number(rows[0]!.id);
}

/**
 * For rows written after the fact, outside the commit they describe (a refusal, an Apply, a runtime
 * result): a failure to write the row is logged at ERROR and does not fail what already happened.
 * Returns the row's id, or null when it could not be written.
 */
export async function appendAuditOrLog(db: Db, r: AuditRecord, what: string): Promise<number | null> {
  try {
    return await appendAudit(db, r);
  } catch (error) {
    log.error(
      { event: "audit_write_failed", action: r.action, requestId: r.requestId, changeId: r.changeId ?? null, err: error },
      `could not record ${what} in the audit log`,
    );
    return null;
  }
}

/** The change a runtime result reports on: its audit row, protection and request. */
export interface AuditedChange {
  auditId: number;
  /** null for a change that is not one protection's (a site, a rule exclusion). */
  protection: string | null;
  requestId: string;
}

/** What the runtime did with one committed change, as a row linked to it (`status` becomes the outcome). */
export interface RuntimeResult {
  status: "applied" | "failed" | "superseded" | "not_managed";
  [detail: string]: unknown;
}

/** Appends a change's runtime result as its own row (actor `system`: the applier, not the admin, did it). */
export async function appendRuntimeResult(db: Db, change: AuditedChange, result: RuntimeResult): Promise<number | null> {
  return appendAuditOrLog(
    db,
    {
      actor: "system",
      action: "runtime_result",
      protection: change.protection,
      outcome: result.status,
      error: typeof result.error === "string" ? result.error : null,
      requestId: change.requestId,
      runtimeResult: result,
      changeId: change.auditId,
    },
    "a change's runtime result",
  );
}
