import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { log } from "../log";
import type { SecurityIntent } from "./intent";
import { announceCommit } from "./intent-events";
import { TX_OPTIONS, withTransientRetry, writeMirrorAndAudit } from "./intent-transaction";
import { updateConfigGuarded } from "./config-sql";
import { intentColumns, rowToIntent, VERSION_FIELD } from "./row-mapping";
import type { Protection, SettingsByProtection } from "./spec/protections";

export interface RollbackInput {
  protection: Protection;
  /** The protection version whose apply failed: the rollback only happens while it is still the latest. */
  failedVersion: number;
  /** What to restore: the last intent successfully applied (enabled + settings). */
  restore: { enabled: boolean; settings: SettingsByProtection[Protection] };
  error: string;
  requestId?: string;
}

/**
 * The compensating commit of a rollback (ADR 005): restores `restore` if the failed version is still
 * the protection's latest (version-guarded UPDATE as the transaction's first statement), with a
 * `rolled_back` audit row carrying the error. Returns null, writing nothing, when a newer version
 * exists: the applier then drives the runtime to that one instead.
 */
export async function rollbackIntent(db: Db, input: RollbackInput): Promise<{ intent: SecurityIntent; auditId: number } | null> {
  const requestId = input.requestId ?? randomUUID();
  const { protection } = input;
  const outcome = await withTransientRetry(() =>
    db.$transaction(async (tx) => {
      const now = new Date();
      const columns = intentColumns(protection, input.restore.enabled, input.restore.settings, "system (rollback)", now);
      const row = await updateConfigGuarded(tx, VERSION_FIELD[protection], input.failedVersion, columns, now);
      if (!row) return null;
      const updated = rowToIntent(row);
      const auditId = await writeMirrorAndAudit(tx, updated, protection, now, {
        actor: "system",
        action: "rollback",
        before: null,
        outcome: "rolled_back",
        error: input.error,
        requestId,
      });
      return { intent: updated, auditId };
    }, TX_OPTIONS),
  );
  if (outcome) {
    announceCommit({ kind: "rollback", version: outcome.intent.version });
    log.warn(
      {
        event: "intent_rolled_back",
        source: "lib/security",
        protection,
        failedVersion: input.failedVersion,
        restoredEnabled: input.restore.enabled,
        version: outcome.intent.version,
        reason: input.error,
        requestId,
      },
      "runtime failed to apply the latest intent: intent rolled back to the last applied one",
    );
  }
  return outcome;
}
