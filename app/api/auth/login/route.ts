import { NextResponse } from "next/server";
import { isCrossSite } from "@/lib/auth/origin";
import { login } from "@/lib/auth/login";
import { db } from "@/lib/db";
import { jsonError } from "@/lib/http";
import { log } from "@/lib/log";
import { schemaGate } from "@/lib/migrations/gate";
import { sessionsUsable } from "@/lib/migrations/health";

export const dynamic = "force-dynamic";

// Larger bodies are refused before parsing (a 1 MB password is not a password).
const MAX_BODY_BYTES = 16 * 1024;

/** POST {username, password, next?} → 200 + session cookie | 400 | 401 | 429 with Retry-After. */
export async function POST(request: Request) {
  if (isCrossSite(request.headers)) return jsonError("UNAUTHENTICATED", "Cross-site requests are not accepted.", 403);
  const gate = await schemaGate();
  if (!gate.ok && !sessionsUsable(gate)) return jsonError("SCHEMA_DEGRADED", `Sign-in is unavailable: the panel is in schema-degraded mode. ${gate.report.summary}`, 503);
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return jsonError("MALFORMED", "The request is too large.", 413);
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return jsonError("MALFORMED", "The request is too large.", 413);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return jsonError("MALFORMED", "Send JSON: {\"username\": …, \"password\": …}.", 400);
  }
  try {
    const outcome = await login(db(), body, request.headers);
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
