import "server-only";
import { randomUUID } from "node:crypto";
import { NextResponse } from "next/server";
import { requireAdmin, type AdminSession } from "./auth/guard";
import { isCrossSite } from "./auth/origin";
import { db } from "./db";
import { isDomainError, type ErrorCode } from "./errors";
import { log } from "./log";

const STATUS: Partial<Record<ErrorCode, number>> = {
  MALFORMED: 400,
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  PASSWORD_CHANGE_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

const NO_STORE = { "Cache-Control": "no-store" };

export function jsonError(code: ErrorCode, message: string, status: number, extraHeaders: Record<string, string> = {}): NextResponse {
  return NextResponse.json({ error: { code, message } }, { status, headers: { ...NO_STORE, ...extraHeaders } });
}

type RouteAccess = { auth: "admin" } | { auth: "open" };

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
    const admin = access.auth === "admin" ? await requireAdmin(db(), request.headers) : null;
    return NextResponse.json(await fn({ admin, requestId }), { headers: NO_STORE });
  } catch (error) {
    if (isDomainError(error) && error.expected) {
      return NextResponse.json({ error: { code: error.code, message: error.message, requestId } }, { status: STATUS[error.code] ?? 422, headers: NO_STORE });
    }
    log.error({ event: "route_failed", route: name, requestId, err: error }, "route handler failed unexpectedly");
    return NextResponse.json({ error: { code: "INTERNAL", message: `Internal error. Reference: ${requestId}`, requestId } }, { status: 500, headers: NO_STORE });
  }
}
