import "server-only";
import { randomUUID } from "node:crypto";
import { dbProvider, type Db } from "../db";
import { ConflictError, DomainError, isDomainError, MalformedRequestError, ValidationError } from "../errors";
import { log } from "../log";
import { MAX_REQUEST_BYTES, ZToggleInput, ZUpdateInput } from "./input-schema";
import { auditSnapshot, type ProtectionIntent, type SecurityIntent } from "./intent";
import { announceCommit } from "./intent-events";
import { lockIntent } from "./intent-lock";
import { TX_OPTIONS, withTransientRetry, writeMirrorAndAudit } from "./intent-transaction";
import { convertRateLimitIntent, rateLimitUnconverted } from "./rate-limit-upgrade";
import { logRecreated, recreateConfig, type Recreated } from "./recovery";
import { appendAuditOrLog } from "../audit/append";
import { selectConfigRow, updateConfigGuarded } from "./config-sql";
import { intentColumns, rowToIntent, VERSION_FIELD, type ConfigRow } from "./row-mapping";
import { fieldErrors } from "./spec/field-errors";
import { PROTECTION_LABELS } from "./spec/labels";
import type { Protection, SettingsByProtection } from "./spec/protections";
import { ZChangesShape, ZSettingsRules } from "./spec/schemas";

// The write path for an admin's change of security intent: one transaction (ADR 002). Nothing outside
// lib/security writes SecurityConfig or the security.* Setting keys; its other commits are a rollback
// (intent-rollback.ts), a mirror repair (mirror-repair.ts), a scenario switch (scenario-intent.ts),
// the recreation of a missing config row (recovery.ts) and the one-time conversion of an old rate
// limit (rate-limit-upgrade.ts).

export interface ChangeContext {
  actor: string;
  requestId?: string;
}

export interface ChangeHooks {
  /**
   * Called with the intent as it would be after the change, before anything is written; throwing
   * refuses the change (e.g. the runtime's package is not installed) and nothing is committed.
   */
  preflight?: (candidate: SecurityIntent, protection: Protection) => void | Promise<void>;
  /** Test seam: called inside the transaction after the config row is written, before the mirror and audit. */
  afterConfigWrite?: () => void | Promise<void>;
}

export interface ChangeResult {
  intent: SecurityIntent;
  /** The protection's intent this change replaced (what a rollback restores without a confirmed apply). */
  before: ProtectionIntent;
  protection: Protection;
  configVersion: number;
  /** The change's audit row: its runtime result is appended as a row linked to this id. */
  auditId: number;
  requestId: string;
}

type ParsedChange =
  | { kind: "toggle"; protection: Protection; on: boolean; expectedVersion: number }
  | { kind: "update"; protection: Protection; changes: Record<string, unknown>; expectedVersion: number };

/** Turn on/off one protection. `input` is untrusted: it is validated here. */
export async function toggleProtection(db: Db, input: unknown, ctx: ChangeContext, hooks?: ChangeHooks): Promise<ChangeResult> {
  const parsed = parseOrThrow(ZToggleInput, input);
  return commitChange(db, { kind: "toggle", ...parsed }, ctx, hooks);
}

/** Change one protection's settings. `input` is untrusted: it is validated here. */
export async function updateProtection(db: Db, input: unknown, ctx: ChangeContext, hooks?: ChangeHooks): Promise<ChangeResult> {
  const parsed = parseOrThrow(ZUpdateInput, input);
  const changes = ZChangesShape[parsed.protection].parse(parsed.changes) as Record<string, unknown>;
  return commitChange(db, { kind: "update", protection: parsed.protection, changes, expectedVersion: parsed.expectedVersion }, ctx, hooks);
}

function parseOrThrow<T>(
  schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: import("zod").ZodError } },
  input: unknown,
): T {
  let size: number;
  try {
    size = JSON.stringify(input ?? null).length;
  } catch {
    throw new MalformedRequestError("The request is not valid JSON data");
  }
  if (size > MAX_REQUEST_BYTES) throw new MalformedRequestError(`The request is too large (${size} bytes; at most ${MAX_REQUEST_BYTES})`);
  const result = schema.safeParse(input);
  if (!result.success) {
    const fields = fieldErrors(result.error);
    throw new MalformedRequestError(Object.values(fields)[0] ?? "The request is malformed", fields);
  }
  return result.data;
}

/** Reads the current intent, recreating a missing config row (mirror first, then defaults). */
export async function readIntent(db: Db, requestId: string = randomUUID()): Promise<SecurityIntent> {
  const row = await db.securityConfig.findUnique({ where: { id: 1 } });
  // Boot converts an old rate limit before anything reads it; a read that comes first converts it itself.
  if (row) return rowToIntent(rateLimitUnconverted(row) ? ((await convertRateLimitIntent(db, requestId)) ?? row) : row);
  const provider = dbProvider(db);
  const recreated = await withTransientRetry(() =>
    db.$transaction(async (tx) => {
      const again = await lockIntent(tx, provider);
      return again ? { row: again, recreated: null } : { row: null, recreated: await recreateConfig(tx, requestId) };
    }, TX_OPTIONS),
  );
  if (recreated.recreated) {
    logRecreated(recreated.recreated, requestId);
    announceCommit({ kind: "recover", version: recreated.recreated.row.version });
    return rowToIntent(recreated.recreated.row);
  }
  return rowToIntent(recreated.row!);
}

async function commitChange(db: Db, change: ParsedChange, ctx: ChangeContext, hooks?: ChangeHooks): Promise<ChangeResult> {
  const requestId = ctx.requestId ?? randomUUID();
  const provider = dbProvider(db);
  const { protection } = change;
  let before: SecurityIntent | null = null;
  try {
    // Read without the lock; the version-guarded UPDATE below is what makes the write safe: it only
    // matches while the protection's version is the one this read (and the caller) saw, and any
    // change to that protection's fields bumps it. Keeping the lock out of the read saves a
    // statement inside the transaction (ADR 002).
    let unlocked = await selectConfigRow(db);
    if (unlocked && rateLimitUnconverted(unlocked)) unlocked = await convertRateLimitIntent(db, requestId);
    const outcome = await withTransientRetry(() =>
      db.$transaction(async (tx) => {
        let recreated: Recreated | null = null;
        let row = unlocked;
        if (!row) {
          // Missing row: take the intent lock and recreate it (mirror first, then defaults).
          row = await lockIntent(tx, provider);
          if (!row) {
            recreated = await recreateConfig(tx, requestId);
            row = recreated.row;
          }
        }
        const current = rowToIntent(row);
        before = current;
        const currentP = current[protection];
        if (currentP.version !== change.expectedVersion) throw conflict(protection, change.expectedVersion, row);

        const enabled = change.kind === "toggle" ? change.on : currentP.enabled;
        const merged = change.kind === "update" ? { ...currentP.settings, ...change.changes } : currentP.settings;
        const rules = ZSettingsRules[protection].safeParse(merged);
        if (!rules.success) {
          const fields = fieldErrors(rules.error);
          throw new ValidationError(Object.values(fields)[0] ?? "Invalid settings", fields);
        }
        const settings = rules.data as SettingsByProtection[typeof protection];
        if (hooks?.preflight) await hooks.preflight({ ...current, [protection]: { ...currentP, enabled, settings } } as SecurityIntent, protection);
        const now = new Date();
        const columns = intentColumns(protection, enabled, settings, ctx.actor, now);
        // First statement of the fast path: takes the write lock (SQLite) / row lock (PostgreSQL),
        // checks the version and returns the whole row as committed-so-far, other protections included.
        const updatedRow = await updateConfigGuarded(tx, VERSION_FIELD[protection], change.expectedVersion, columns, now);
        if (!updatedRow) throw conflict(protection, change.expectedVersion, (await selectConfigRow(tx)) ?? row);
        await hooks?.afterConfigWrite?.();
        const updated = rowToIntent(updatedRow);
        const auditId = await writeMirrorAndAudit(tx, updated, protection, now, {
          actor: ctx.actor,
          action: change.kind,
          before: auditSnapshot(currentP),
          outcome: "committed",
          error: null,
          requestId,
        });
        return { intent: updated, auditId, recreated, replaced: currentP as ProtectionIntent };
      }, TX_OPTIONS),
    );
    if (outcome.recreated) logRecreated(outcome.recreated, requestId);
    announceCommit({ kind: "protection", version: outcome.intent.version });
    log.info(
      {
        event: "intent_committed",
        source: "lib/security",
        protection,
        action: change.kind,
        actor: ctx.actor,
        version: outcome.intent.version,
        protectionVersion: outcome.intent[protection].version,
        enabled: outcome.intent[protection].enabled,
        requestId,
      },
      "security intent committed",
    );
    return { intent: outcome.intent, before: outcome.replaced, protection, configVersion: outcome.intent.version, auditId: outcome.auditId, requestId };
  } catch (error) {
    if (error instanceof ConflictError || error instanceof ValidationError || (isDomainError(error) && error.code === "NOT_INSTALLED")) {
      await recordRejection(db, change, ctx.actor, requestId, before, error);
    }
    throw error;
  }
}

function conflict(protection: Protection, expectedVersion: number, row: ConfigRow): ConflictError {
  const current = rowToIntent(row)[protection];
  const who = current.changedBy ?? "someone";
  const when = current.changedAt ? ` at ${current.changedAt}` : "";
  return new ConflictError(
    `${PROTECTION_LABELS[protection]} was changed by ${who}${when} (version ${current.version}, you had ${expectedVersion}); reload and try again`,
    { protection, expectedVersion, currentVersion: current.version, changedBy: current.changedBy, changedAt: current.changedAt },
  );
}

/** One `rejected` audit row for a well-formed request that was refused; the intent is untouched. */
async function recordRejection(
  db: Db,
  change: ParsedChange,
  actor: string,
  requestId: string,
  before: SecurityIntent | null,
  error: DomainError,
): Promise<void> {
  const requested = change.kind === "toggle" ? { enabled: change.on } : change.changes;
  await appendAuditOrLog(
    db,
    {
      actor,
      action: change.kind,
      protection: change.protection,
      before: before ? auditSnapshot((before as SecurityIntent)[change.protection]) : null,
      after: requested,
      outcome: "rejected",
      error: error.message,
      requestId,
    },
    "a rejected change",
  );
  log.info(
    { event: "intent_rejected", source: "lib/security", protection: change.protection, code: error.code, actor, requestId, reason: error.message },
    "security intent change rejected",
  );
}
