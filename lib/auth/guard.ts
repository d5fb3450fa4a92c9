import "server-only";
import type { Db } from "../db";
import { DomainError } from "../errors";
import { log } from "../log";
import { auth } from "./auth";
import { fastSessionLookup } from "./session-fast-path";
import { authSettings } from "./auth-settings";

export interface AdminSession {
  user: { id: string; username: string; mustChangePassword: boolean };
  session: { id: string; token: string; createdAt: Date; expiresAt: Date; ipAddress: string | null; userAgent: string | null };
}

export class UnauthenticatedError extends DomainError {
  constructor(message = "Your session has ended. Sign in again.") {
    super("UNAUTHENTICATED", message);
  }
}

export class PasswordChangeRequiredError extends DomainError {
  constructor() {
    super("PASSWORD_CHANGE_REQUIRED", "Choose a new password on the Account page before making changes.");
  }
}

/**
 * The one session check. Everything that needs an admin goes through it: pages (requirePage), server
 * actions (runAction), route handlers (jsonRoute) and data access. Sessions live in the database
 * (revocable); the idle expiry slides in the library, the absolute expiry is enforced here.
 */
export async function getAdminSession(db: Db, headers: Headers, now: Date = new Date()): Promise<AdminSession | null> {
  const fast = await fastSessionLookup(db, headers, now);
  if (fast.kind === "none") return null;
  if (fast.kind === "session") {
    const r = fast.row;
    if (now.getTime() - r.createdAt.getTime() > authSettings().maxAgeSeconds * 1000) return endAbsolute(db, r.sessionId, r.username ?? r.userId);
    return {
      user: { id: r.userId, username: r.username!, mustChangePassword: r.mustChangePassword },
      session: { id: r.sessionId, token: r.token, createdAt: r.createdAt, expiresAt: r.expiresAt, ipAddress: r.ipAddress, userAgent: r.userAgent },
    };
  }
  const result = await auth().api.getSession({ headers });
  if (!result) return null;
  const { session, user } = result;
  const createdAt = new Date(session.createdAt);
  if (now.getTime() - createdAt.getTime() > authSettings().maxAgeSeconds * 1000) return endAbsolute(db, session.id, String(user.username ?? user.name));
  return {
    user: {
      id: user.id,
      username: String(user.username ?? user.name),
      mustChangePassword: Boolean((user as { mustChangePassword?: boolean }).mustChangePassword),
    },
    session: {
      id: session.id,
      token: session.token,
      createdAt,
      expiresAt: new Date(session.expiresAt),
      ipAddress: session.ipAddress ?? null,
      userAgent: session.userAgent ?? null,
    },
  };
}

async function endAbsolute(db: Db, sessionId: string, username: string): Promise<null> {
  await db.session.deleteMany({ where: { id: sessionId } });
  log.info({ event: "session_expired_absolute", username, sessionId }, "session reached its maximum age");
  return null;
}

/** For server actions and route handlers: a session, or an expected UNAUTHENTICATED error. */
export async function requireAdmin(db: Db, headers: Headers, { allowPasswordChange = false } = {}): Promise<AdminSession> {
  const session = await getAdminSession(db, headers);
  if (!session) throw new UnauthenticatedError();
  if (session.user.mustChangePassword && !allowPasswordChange) throw new PasswordChangeRequiredError();
  return session;
}
