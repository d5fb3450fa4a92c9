import "server-only";
import { constantTimeEqual, makeSignature } from "better-auth/crypto";
import type { Db } from "../db";
import { sessionCookieName, sessionUpdateAgeSeconds } from "./auth";
import { authSecret } from "./secret";
import { authSettings } from "./auth-settings";

// The read-only fast path of the session check (target: < 2 ms p50, bench:auth). The library's getSession costs
// ~2.5 ms on PostgreSQL here: its endpoint pipeline, then two reads (session, then user). Most checks
// change nothing, so this path verifies the cookie's signature with the library's own function and
// reads session and user in one statement. A cookie whose session does not exist is simply no session.
// Anything else it does not handle plainly (an expired session, a sliding expiry due for its refresh)
// goes back to the library, which deletes, refreshes and re-sets the cookie as it always does: the
// library stays the only writer of sessions.

export interface FastSessionRow {
  sessionId: string;
  token: string;
  expiresAt: Date;
  createdAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
  userId: string;
  username: string | null;
  mustChangePassword: boolean;
}

export type FastPathResult = { kind: "none" } | { kind: "session"; row: FastSessionRow } | { kind: "library" };

function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

let cachedSecret: string | undefined;

export async function fastSessionLookup(db: Db, headers: Headers, now: Date): Promise<FastPathResult> {
  const raw = readCookie(headers.get("cookie"), sessionCookieName());
  if (!raw) return { kind: "none" };
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return { kind: "none" };
  }
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return { kind: "none" };
  const token = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  cachedSecret ??= authSecret();
  if (!constantTimeEqual(await makeSignature(token, cachedSecret), signature)) return { kind: "none" };

  const rows = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT s."id" AS "sessionId", s."token" AS "token", s."expires_at" AS "expiresAt", s."created_at" AS "createdAt",
           s."ip_address" AS "ipAddress", s."user_agent" AS "userAgent", u."id" AS "userId", u."username" AS "username",
           u."must_change_password" AS "mustChangePassword"
    FROM "sessions" s JOIN "users" u ON u."id" = s."user_id"
    WHERE s."token" = ${token}`;
  const r = rows[0];
  // No such session (revoked, or replaced by a password change): signed out, and the cookie is left
  // alone. The library would answer with a cookie-clearing Set-Cookie, and a poll that raced a password
  // change (old cookie in, clearing header out after the change's new cookie) signed the admin out.
  if (!r) return { kind: "none" };
  const row: FastSessionRow = {
    sessionId: String(r.sessionId),
    token: String(r.token),
    expiresAt: new Date(r.expiresAt as string | Date),
    createdAt: new Date(r.createdAt as string | Date),
    ipAddress: (r.ipAddress as string | null) ?? null,
    userAgent: (r.userAgent as string | null) ?? null,
    userId: String(r.userId),
    username: (r.username as string | null) ?? null,
    mustChangePassword: r.mustChangePassword === true || r.mustChangePassword === 1 || r.mustChangePassword === 1n,
  };
  // The library's rule: refresh when expiresAt - expiresIn + updateAge <= now.
  const refreshDue = row.expiresAt.getTime() - authSettings().idleSeconds * 1000 + sessionUpdateAgeSeconds() * 1000 <= now.getTime();
  if (row.expiresAt.getTime() <= now.getTime() || refreshDue || !row.username) return { kind: "library" };
  return { kind: "session", row };
}

/** For tests that switch data directories (and so secrets). */
export function resetFastPathForTests(): void {
  cachedSecret = undefined;
}
