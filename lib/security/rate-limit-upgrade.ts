import "server-only";
import { randomUUID } from "node:crypto";
import { dbProvider, type Db } from "../db";
import { log } from "../log";
import { updateConfigGuarded } from "./config-sql";
import { announceCommit } from "./intent-events";
import { lockIntent } from "./intent-lock";
import { TX_OPTIONS, withTransientRetry, writeMirrorAndAudit } from "./intent-transaction";
import { convertRequestsPerWindow, type RequestsPerWindow } from "./rate-limit-conversion";
import { SYSTEM_ACTOR } from "./recovery";
import { intentColumns, rowToIntent, VERSION_FIELD, type ConfigRow } from "./row-mapping";
import { RETIRED_MIRROR_KEYS } from "./spec/mirror-keys";

// The one-time conversion of a rate limit stored as requests per window (ADR 013), at the first boot of
// the version that enforces it at the edge. Not a SQL migration: it is intent, so it is a commit like
// any other (a new global version, one audit row by "system", the mirror rewritten), logged at WARN.
// It runs once: the new columns are NULL only until it has run, and it checks that again under the
// intent lock (its first statement), so replicas booting together on PostgreSQL convert once.

/** True while the row still holds the rate limit as requests per window (the new columns are NULL). */
export function rateLimitUnconverted(row: ConfigRow): boolean {
  return row.rateLimitRate === null || row.rateLimitUnit === null || row.rateLimitExcess === null;
}

/**
 * Converts the stored rate limit if it has not been yet. Returns the config row as it stands
 * afterwards (converted now or earlier), or null when there is no config row (a fresh install's is
 * created from the defaults, which need no conversion).
 */
export async function convertRateLimitIntent(db: Db, requestId: string = randomUUID()): Promise<ConfigRow | null> {
  const provider = dbProvider(db);
  const outcome = await withTransientRetry(() =>
    db.$transaction(async (tx) => {
      const row = await lockIntent(tx, provider);
      if (!row || !rateLimitUnconverted(row)) return { row, converted: null };
      const before: RequestsPerWindow = { requests: row.rateLimitRequests, windowSec: row.rateLimitWindowSec, burst: row.rateLimitBurst };
      const { settings, notes } = convertRequestsPerWindow(before);
      const now = new Date();
      const columns = intentColumns("rate_limit", row.rateLimitEnabled, settings, SYSTEM_ACTOR, now);
      const updated = await updateConfigGuarded(tx, VERSION_FIELD.rate_limit, row.rateLimitVersion, columns, now);
      if (!updated) throw new Error("the rate limit changed under the intent lock while it was being converted");
      const intent = rowToIntent(updated);
      await writeMirrorAndAudit(tx, intent, "rate_limit", now, {
        actor: SYSTEM_ACTOR,
        action: "convert_rate_limit",
        before: { enabled: row.rateLimitEnabled, ...before },
        outcome: "committed",
        error: notes.length ? notes.join("; ") : null,
        requestId,
      });
      // Nothing reads the old keys any more; left behind, the store check would list them.
      await tx.setting.deleteMany({ where: { key: { in: RETIRED_MIRROR_KEYS } } });
      return { row: updated, converted: { before, after: settings, notes, version: intent.version } };
    }, TX_OPTIONS),
  );
  const converted = outcome.converted;
  if (converted) {
    announceCommit({ kind: "convert", version: converted.version });
    const { before, after } = converted;
    log.warn(
      {
        event: "rate_limit_converted",
        source: "lib/security",
        before,
        after,
        capped: converted.notes,
        enabled: outcome.row!.rateLimitEnabled,
        version: converted.version,
        requestId,
      },
      `rate limit converted once for the edge: ${before.requests} requests per ${before.windowSec} s (burst ${before.burst}) → ` +
        `${after.rate} per ${after.unit}, burst ${after.burst}, excess ${after.excess}` +
        (converted.notes.length ? ` (${converted.notes.join("; ")})` : ""),
    );
  }
  return outcome.row;
}
