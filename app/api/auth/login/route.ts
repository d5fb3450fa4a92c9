import { NextResponse } from "next/server";
import { schemaView } from "@/lib/actions/migrations/migration-queries";
import { signIn } from "@/lib/actions/auth/sign-in";
import { isCrossSite } from "@/lib/auth/origin";
import { jsonError } from "@/lib/http";
import { log } from "@/lib/log";
import { MalformedRequestError } from "@/lib/errors";
import { PayloadTooLargeError, readJsonBody } from "@/lib/request-body";

export const dynamic = "force-dynamic";

// A sign-in is two short strings: a larger body is refused while it is read (a 1 MB password is not
// a password, and a chunked body without a length must not be buffered whole).
const MAX_BODY_BYTES = 16 * 1024;

/** POST {username, password, next?} → 200 + session cookie | 400 | 401 | 413 | 429 with Retry-After. */
export async function POST(request: Request) {
  if (isCrossSite(request.headers)) return jsonError("UNAUTHENTICATED", "Cross-site requests are not accepted.", 403);
  const gate = await schemaView();
  if (!gate.ok && !gate.sessionsUsable)
    return jsonError("SCHEMA_DEGRADED", `Sign-in is unavailable: the panel is in schema-degraded mode. ${gate.report.summary}`, 503);
  let body: unknown;
  try {
    body = await readJsonBody(request, MAX_BODY_BYTES, '{"username": …, "password": …}');
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return jsonError("PAYLOAD_TOO_LARGE", error.message, 413, { Connection: "close" });
    if (error instanceof MalformedRequestError) return jsonError("MALFORMED", error.message, 400);
    throw error;
  }
  try {
    const outcome = await signIn(body, request.headers);
    if (!outcome.ok) {
      const code = outcome.status === 429 ? "RATE_LIMITED" : outcome.status === 400 ? "VALIDATION" : "UNAUTHENTICATED";
      const extra: Record<string, string> = outcome.retryAfterSeconds ? { "Retry-After": String(outcome.retryAfterSeconds) } : {};
      const response = jsonError(code, outcome.message, outcome.status, extra);
      return response;
    }
    const response = NextResponse.json({ data: { username: outcome.username, next: outcome.next } }, { headers: { "Cache-Control": "no-store" } });
    for (const cookie of outcome.setCookies) response.headers.append("Set-Cookie", cookie);
    return response;
  } catch (error) {
    log.error({ event: "login_route_failed", err: error }, "login failed unexpectedly");
    return jsonError("INTERNAL", "Sign-in failed on the server. Try again.", 500);
  }
}
