import "server-only";
import { randomUUID } from "node:crypto";
import { NextResponse } from "next/server";
import { requireAdmin, UnauthenticatedError, type AdminSession } from "./auth/guard";
import { isCrossSite } from "./auth/origin";
import { db } from "./db";
import { isDomainError, type ErrorCode } from "./errors";
import { log } from "./log";
import { orDegraded, schemaGate } from "./migrations/gate";

const STATUS: Partial<Record<ErrorCode, number>> = {
  MALFORMED: 400,
  PAYLOAD_TOO_LARGE: 413,
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  PASSWORD_CHANGE_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SCHEMA_DEGRADED: 503,
};

const NO_STORE = { "Cache-Control": "no-store" };

export function jsonError(code: ErrorCode, message: string, status: number, extraHeaders: Record<string, string> = {}): NextResponse {
  return NextResponse.json({ error: { code, message } }, { status, headers: { ...NO_STORE, ...extraHeaders } });
}

/** `allowDegraded`: the route still answers in schema-degraded mode (the migration report does). */
type RouteAccess = { auth: "admin"; allowDegraded?: boolean } | { auth: "open" };

/**
 * Route handlers answer JSON through this wrapper: the session check (401 JSON without one), the
 * cross-site check for mutating methods, expected errors with their message, unexpected ones generically.
 */
export async function jsonRoute(
  request: Request,
  name: string,
  access: RouteAccess,
  fn: (ctx: { admin: AdminSession | null; requestId: string }) => Promise<unknown>,
): Promise<NextResponse> {
  const requestId = randomUUID();
  try {
    if (request.method !== "GET" && request.method !== "HEAD" && isCrossSite(request.headers)) {
      log.warn({ event: "cross_site_refused", route: name, origin: request.headers.get("origin") }, "cross-site request refused");
      return jsonError("UNAUTHENTICATED", "Cross-site requests are not accepted.", 403);
    }
    let admin: AdminSession | null = null;
    if (access.auth === "admin") {
      const gate = await schemaGate();
      if (!gate.ok && !access.allowDegraded) {
        return jsonError("SCHEMA_DEGRADED", `The panel is in schema-degraded mode. ${gate.report.summary}`, 503);
      }
      admin = await requireAdmin(db(), request.headers).catch((error: unknown) => {
        // With a degraded schema the session tables may be missing: that is "no session", not a 500.
        if (!gate.ok && !(error as { expected?: boolean }).expected)
          throw new UnauthenticatedError("Sign-in is unavailable while the schema is degraded; use the reduced view or `npm run cli -- status`.");
        throw error;
      });
    }
    const result = await orDegraded(() => fn({ admin, requestId }));
    if (!result.ok) return jsonError("SCHEMA_DEGRADED", `The panel is in schema-degraded mode. ${result.gate.report.summary}`, 503);
    return NextResponse.json(result.value, { headers: NO_STORE });
  } catch (error) {
    if (isDomainError(error) && error.expected) {
      const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      const headers = error.code === "RATE_LIMITED" && typeof retryAfter === "number" ? { ...NO_STORE, "Retry-After": String(retryAfter) } : NO_STORE;
      return NextResponse.json({ error: { code: error.code, message: error.message, requestId } }, { status: STATUS[error.code] ?? 422, headers });
    }
    log.error({ event: "route_failed", route: name, requestId, err: error }, "route handler failed unexpectedly");
    return NextResponse.json(
      { error: { code: "INTERNAL", message: `Internal error. Reference: ${requestId}`, requestId } },
      { status: 500, headers: NO_STORE },
    );
  }
}
