import "server-only";
import { randomUUID } from "node:crypto";
import { headers } from "next/headers";
import { requireAdmin, type AdminSession } from "../auth/guard";
import { db } from "../db";
import { ConflictError, SchemaDegradedError, isDomainError, type ConflictDetails, type ErrorCode, MalformedRequestError, ValidationError } from "../errors";
import { log } from "../log";
import { orDegraded, schemaGate } from "../migrations/gate";

// Every server action goes through runAction: the session check (one guard, in lib/), one result
// shape for the browser, expected errors with their message, unexpected ones logged with a request
// id and shown generically.

export interface ActionError {
  code: ErrorCode;
  message: string;
  fields?: Record<string, string>;
  conflict?: ConflictDetails;
  /** The runtime's last log lines, for RUNTIME_FAILED. */
  logTail?: string[];
  /** RATE_LIMITED: seconds before another attempt can pass. */
  retryAfterSeconds?: number;
  requestId: string;
}
export type ActionResult<T> = { data: T } | { error: ActionError };

export interface ActionContext {
  requestId: string;
  /** The signed-in admin's username: what audit rows record as the actor. */
  actor: string;
  admin: AdminSession;
  headers: Headers;
}

export interface ActionOptions {
  /** Account actions stay available to an admin who must change a password. */
  allowPasswordChange?: boolean;
  /**
   * The actions that repair the schema (test and apply pending migrations) run while it is degraded;
   * every other action is refused then. Their failures are their own, never "the schema is degraded".
   */
  allowDegraded?: boolean;
}

export async function runAction<T>(name: string, fn: (ctx: ActionContext) => Promise<T>, options: ActionOptions = {}): Promise<ActionResult<T>> {
  const requestId = randomUUID();
  try {
    if (!options.allowDegraded) await refuseWhenDegraded();
    const requestHeaders = await headers();
    const admin = await requireAdmin(db(), requestHeaders, options);
    const run = () => fn({ requestId, actor: admin.user.username, admin, headers: requestHeaders });
    if (options.allowDegraded) return { data: await run() };
    const result = await orDegraded(run);
    if (!result.ok) throw new SchemaDegradedError(result.gate.report.summary);
    return { data: result.value };
  } catch (error) {
    return actionError(name, requestId, error);
  }
}

/** For the few actions open without a session (first-run setup). */
export async function runOpenAction<T>(name: string, fn: (ctx: { requestId: string; headers: Headers }) => Promise<T>): Promise<ActionResult<T>> {
  const requestId = randomUUID();
  try {
    await refuseWhenDegraded();
    return { data: await fn({ requestId, headers: await headers() }) };
  } catch (error) {
    return actionError(name, requestId, error);
  }
}

/** No change is accepted while the schema is degraded: the tables it would write may not exist. */
async function refuseWhenDegraded(): Promise<void> {
  const gate = await schemaGate();
  if (!gate.ok) throw new SchemaDegradedError(gate.report.summary);
}

function actionError(name: string, requestId: string, error: unknown): ActionResult<never> {
  // redirect()/notFound() inside an action are control flow for Next.js, not failures.
  if (error instanceof Error && "digest" in error && typeof error.digest === "string" && /^NEXT_(REDIRECT|HTTP_ERROR)/.test(error.digest)) throw error;
  if (isDomainError(error) && error.expected) {
    const result: ActionError = { code: error.code, message: error.message, requestId };
    if (error instanceof ValidationError || error instanceof MalformedRequestError) result.fields = error.fields;
    if (error instanceof ConflictError) result.conflict = error.details;
    const logTail = (error as { logTail?: unknown }).logTail;
    if (Array.isArray(logTail) && logTail.length) result.logTail = logTail.map(String);
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (error.code === "RATE_LIMITED" && typeof retryAfter === "number") result.retryAfterSeconds = retryAfter;
    if (error.code === "UNAUTHENTICATED")
      log.warn({ event: "action_refused", action: name, requestId, code: error.code }, "server action refused without a session");
    return { error: result };
  }
  log.error({ event: "action_failed", action: name, requestId, err: error }, "server action failed unexpectedly");
  return {
    error: { code: "INTERNAL", message: `Something went wrong on the server; nothing was changed. Reference: ${requestId}`, requestId },
  };
}
