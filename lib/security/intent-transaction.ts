import "server-only";
import type { Tx } from "../db";
import { log } from "../log";
import { appendAudit, type AuditRecord } from "../audit/append";
import { auditSnapshot, type SecurityIntent } from "./intent";
import { GLOBAL_VERSION_KEY, protectionMirror } from "./mirror";
import { writeMirror } from "./mirror-write";
import type { Protection } from "./spec/protections";

// What every intent transaction shares: its time limits, the retry of a transient conflict, and the
// tail of a protection commit (mirror + audit row).

export const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;
const TRANSIENT_RETRIES = 3;

/** Retries only errors that say "try again" (PostgreSQL serialization failure/deadlock, P2034). */
export async function withTransientRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "P2034" || attempt >= TRANSIENT_RETRIES) throw error;
      log.warn({ event: "transaction_retry", attempt, code }, "transient transaction conflict; retrying");
    }
  }
}

/**
 * The rest of every protection commit, after its version-guarded UPDATE: the mirror keys of that
 * protection and the global version, and the audit row carrying the new global version.
 */
export async function writeMirrorAndAudit(
  tx: Tx,
  updated: SecurityIntent,
  protection: Protection,
  now: Date,
  audit: Pick<AuditRecord, "actor" | "action" | "before" | "outcome" | "error" | "requestId">,
): Promise<number> {
  await writeMirror(tx, [{ key: GLOBAL_VERSION_KEY, value: String(updated.version), type: "number" }, ...protectionMirror(updated, protection)], now);
  return appendAudit(tx, { ...audit, at: now, protection, after: auditSnapshot(updated[protection]), configVersion: updated.version });
}
