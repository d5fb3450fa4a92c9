import "server-only";
import { randomUUID } from "node:crypto";
import { dbProvider, type Db, type Tx } from "../db";
import { ConflictError, DomainError, isDomainError, MalformedRequestError, ValidationError } from "../errors";
import { log } from "../log";
import { fieldErrors, MAX_REQUEST_BYTES, ZChangesShape, ZSettingsRules, ZToggleInput, ZUpdateInput } from "./input-schema";
import { auditSnapshot, type ProtectionIntent, type SecurityIntent } from "./intent";
import { announceCommit } from "./events";
import { lockIntent } from "./lock";
import { fullMirror, GLOBAL_VERSION_KEY, protectionMirror } from "./mirror";
import { writeMirror } from "./mirror-write";
import { PROTECTION_LABELS, type Protection, type SettingsByProtection } from "./protections";
import { logRecreated, recreateConfig, type Recreated } from "./recovery";
import { appendAudit, appendAuditOrLog, type AuditRecord } from "../audit/append";
import { bumpGlobalVersion, selectConfigRow, updateConfigGuarded } from "./config-sql";
import { intentColumns, rowToIntent, VERSION_FIELD, type ConfigRow } from "./row-mapping";

// The one write path for security intent: one transaction (ADR 002).
// Nothing else in Warden writes SecurityConfig or the security.* Setting keys.

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

const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;
const TRANSIENT_RETRIES = 3;

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
  if (row) return rowToIntent(row);
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
    const unlocked = await selectConfigRow(db);
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

/** Retries only errors that say "try again" (PostgreSQL serialization failure/deadlock, P2034). */
async function withTransientRetry<T>(fn: () => Promise<T>): Promise<T> {
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

/**
 * The rest of every protection commit, after its version-guarded UPDATE: the mirror keys of that
 * protection and the global version, and the audit row carrying the new global version.
 */
async function writeMirrorAndAudit(
  tx: Tx,
  updated: SecurityIntent,
  protection: Protection,
  now: Date,
  audit: Pick<AuditRecord, "actor" | "action" | "before" | "outcome" | "error" | "requestId">,
): Promise<number> {
  await writeMirror(tx, [{ key: GLOBAL_VERSION_KEY, value: String(updated.version), type: "number" }, ...protectionMirror(updated, protection)], now);
  return appendAudit(tx, { ...audit, at: now, protection, after: auditSnapshot(updated[protection]), configVersion: updated.version });
}

/**
 * The settings mirror disagrees with the security config (the `store` drift surface): rewrite the
 * mirror from the config, which is the authoritative copy, and drop security.* keys the config does
 * not have. One commit (global version + 1, per-protection versions unchanged) with an audit row
 * listing what differed.
 */
export async function repairMirror(db: Db, ctx: ChangeContext): Promise<{ version: number; rewritten: string[] }> {
  const requestId = ctx.requestId ?? randomUUID();
  const outcome = await withTransientRetry(() =>
    db.$transaction(async (tx) => {
      const now = new Date();
      const row = await bumpGlobalVersion(tx, now);
      if (!row)
        throw new ValidationError(
          "The security config row is missing: it is recreated from the settings mirror the next time it is read (open the Security page).",
        );
      const intent = rowToIntent(row);
      const wanted = fullMirror(intent);
      const present = await tx.setting.findMany({ where: { key: { startsWith: "security." } } });
      const have = new Map(present.map((s) => [s.key, `${s.type}:${s.value}`]));
      const differing = wanted.filter((e) => e.key !== GLOBAL_VERSION_KEY && have.get(e.key) !== `${e.type}:${e.value}`).map((e) => e.key);
      const stray = present.map((s) => s.key).filter((key) => !wanted.some((e) => e.key === key));
      await writeMirror(tx, wanted, now);
      if (stray.length) await tx.setting.deleteMany({ where: { key: { in: stray } } });
      await appendAudit(tx, {
        at: now,
        actor: ctx.actor,
        action: "repair_mirror",
        protection: null,
        before: Object.fromEntries([...differing, ...stray].map((key) => [key, have.get(key) ?? null])),
        after: Object.fromEntries(differing.map((key) => [key, wanted.find((e) => e.key === key)!.value])),
        outcome: "committed",
        error: null,
        requestId,
        configVersion: intent.version,
      });
      return { version: intent.version, rewritten: [...differing, ...stray] };
    }, TX_OPTIONS),
  );
  announceCommit({ kind: "mirror", version: outcome.version });
  log.info(
    { event: "mirror_repaired", source: "lib/security", actor: ctx.actor, version: outcome.version, keys: outcome.rewritten, requestId },
    "settings mirror rewritten from the security config",
  );
  return outcome;
}
