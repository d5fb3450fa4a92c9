import "server-only";
import { randomUUID } from "node:crypto";
import { NextResponse } from "next/server";
import { isDomainError } from "./errors";
import { log } from "./log";

/** Route handlers answer JSON; expected errors with their message, unexpected ones generically. */
export async function jsonRoute(name: string, fn: () => Promise<unknown>): Promise<NextResponse> {
  const requestId = randomUUID();
  try {
    return NextResponse.json(await fn(), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    if (isDomainError(error) && error.expected) {
      const status = error.code === "MALFORMED" || error.code === "VALIDATION" ? 400 : error.code === "CONFLICT" ? 409 : 422;
      return NextResponse.json({ error: { code: error.code, message: error.message, requestId } }, { status });
    }
    log.error({ event: "route_failed", route: name, requestId, err: error }, "route handler failed unexpectedly");
    return NextResponse.json(
      { error: { code: "INTERNAL", message: `Internal error. Reference: ${requestId}`, requestId } },
      { status: 500, headers: { "Cache-Control": "no-store" } },
    );
  }
}
