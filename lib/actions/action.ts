import "server-only";
import { randomUUID } from "node:crypto";
import { ConflictError, isDomainError, type ConflictDetails, type ErrorCode, MalformedRequestError, ValidationError } from "../errors";
import { log } from "../log";

// Every server action goes through runAction: one result shape for the browser, expected errors
// with their message, unexpected ones logged with a request id and shown generically.

export interface ActionError {
  code: ErrorCode;
  message: string;
  fields?: Record<string, string>;
  conflict?: ConflictDetails;
  requestId: string;
}
export type ActionResult<T> = { data: T } | { error: ActionError };

export interface ActionContext {
  requestId: string;
  /** Until authentication exists (issue #3) every change is made by the one local admin. */
  actor: string;
}

export const LOCAL_ADMIN = "local-admin";

export async function runAction<T>(name: string, fn: (ctx: ActionContext) => Promise<T>): Promise<ActionResult<T>> {
  const ctx: ActionContext = { requestId: randomUUID(), actor: LOCAL_ADMIN };
  try {
    return { data: await fn(ctx) };
  } catch (error) {
    if (isDomainError(error) && error.expected) {
      const result: ActionError = { code: error.code, message: error.message, requestId: ctx.requestId };
      if (error instanceof ValidationError || error instanceof MalformedRequestError) result.fields = error.fields;
      if (error instanceof ConflictError) result.conflict = error.details;
      return { error: result };
    }
    log.error({ event: "action_failed", action: name, requestId: ctx.requestId, err: error }, "server action failed unexpectedly");
    return {
      error: {
        code: "INTERNAL",
        message: `Something went wrong on the server; nothing was changed. Reference: ${ctx.requestId}`,
        requestId: ctx.requestId,
      },
    };
  }
}
