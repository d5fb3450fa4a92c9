import "server-only";
import { isAuthApiError } from "./api-error";
import type { Db } from "../db";
import { RateLimitedError, ValidationError } from "../errors";
import { fieldErrors } from "../security/spec/field-errors";
import { auth } from "./auth";
import { ZChangePasswordInput } from "./credentials-schema";
import { clientIp, userAgent } from "./client-info";
import { recordAuthEvent } from "./auth-events";
import { attemptKeys, describeLock, oneAtATime, throttleState, trustedDeviceId } from "./lockout";
import type { AdminSession } from "./guard";
import { plural } from "../plural";

export interface SessionView {
  id: string;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  current: boolean;
}

/** The admin's live sessions; tokens never leave the server (the browser gets ids). */
export async function listSessions(db: Db, admin: AdminSession): Promise<SessionView[]> {
  const rows = await db.session.findMany({
    where: { userId: admin.user.id, expiresAt: { gt: new Date() } },
    orderBy: { updatedAt: "desc" },
  });
  return rows.map((s) => ({
    id: s.id,
    createdAt: s.createdAt.toISOString(),
    lastActiveAt: s.updatedAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    ipAddress: s.ipAddress,
    userAgent: s.userAgent,
    current: s.id === admin.session.id,
  }));
}

/** Revokes one of the admin's own sessions (deleting the row ends it at once). */
export async function revokeSession(db: Db, admin: AdminSession, sessionId: unknown, headers: Headers): Promise<{ revoked: number }> {
  if (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > 64) {
    throw new ValidationError("Unknown session", { sessionId: "Unknown session" });
  }
  const { count } = await db.session.deleteMany({ where: { id: sessionId, userId: admin.user.id } });
  if (count === 0) throw new ValidationError("That session does not exist or has already ended", { sessionId: "Unknown session" });
  await recordAuthEvent(db, {
    username: admin.user.username,
    event: "session_revoked",
    ipAddress: clientIp(headers),
    userAgent: userAgent(headers),
    detail: sessionId === admin.session.id ? "own current session" : `session ${sessionId}`,
  });
  return { revoked: count };
}

/** Revokes every session of the admin except the current one. */
export async function revokeOtherSessions(db: Db, admin: AdminSession, headers: Headers): Promise<{ revoked: number }> {
  const { count } = await db.session.deleteMany({ where: { userId: admin.user.id, id: { not: admin.session.id } } });
  await recordAuthEvent(db, {
    username: admin.user.username,
    event: "session_revoked",
    ipAddress: clientIp(headers),
    userAgent: userAgent(headers),
    detail: `${plural(count, "other session")}`,
  });
  return { revoked: count };
}

/**
 * Changes the admin's own password (current password required) and ends every other session; the
 * library issues a fresh session for this browser. Clears the "must change password" mark.
 *
 * The current-password check is a sign-in attempt: a session (stolen, or a browser left open) must not
 * become a password oracle. It goes through the sign-in throttle for this account and client (address
 * or device cookie), serialised with sign-ins; a wrong current password is a `login_failed` row (from
 * change-password) that counts like a failed sign-in; while locked the answer is RATE_LIMITED with the
 * seconds to wait, and the password is not checked.
 */
export async function changeOwnPassword(db: Db, admin: AdminSession, input: unknown, headers: Headers): Promise<void> {
  const parsed = ZChangePasswordInput.safeParse(input);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    throw new ValidationError(Object.values(fields)[0] ?? "Invalid request", fields);
  }
  const username = admin.user.username;
  const ip = clientIp(headers);
  const ua = userAgent(headers);
  const deviceId = trustedDeviceId(headers, username, { ip, source: "change-password" });
  await oneAtATime(attemptKeys(username, ip), async () => {
    const lock = await throttleState(db, { username, ip, deviceId });
    if (lock.locked) {
      await recordAuthEvent(db, { username, event: "login_locked", ipAddress: ip, userAgent: ua, deviceId, detail: `change-password: ${describeLock(lock)}` });
      throw new RateLimitedError(`Too many failed password checks. Try again in ${lock.retryAfterSeconds} s.`, lock.retryAfterSeconds);
    }
    try {
      await auth().api.changePassword({
        body: { currentPassword: parsed.data.currentPassword, newPassword: parsed.data.newPassword, revokeOtherSessions: true },
        headers,
      });
    } catch (error) {
      if (isAuthApiError(error) && error.statusCode < 500) {
        await recordAuthEvent(db, {
          username,
          event: "login_failed",
          ipAddress: ip,
          userAgent: ua,
          deviceId,
          detail: "change-password: wrong current password",
        });
        throw new ValidationError("The current password is not correct", { currentPassword: "The current password is not correct" });
      }
      throw error;
    }
    await db.user.update({ where: { id: admin.user.id }, data: { mustChangePassword: false } });
    await recordAuthEvent(db, { username, event: "password_changed", ipAddress: ip, userAgent: ua, deviceId, detail: "other sessions revoked" });
  });
}

/** Ends the current session on the server and clears the cookie. */
export async function logout(db: Db, admin: AdminSession, headers: Headers): Promise<void> {
  await auth().api.signOut({ headers });
  // signOut deletes by token; make sure the row is gone even if the library's call changes.
  await db.session.deleteMany({ where: { id: admin.session.id } });
  await recordAuthEvent(db, { username: admin.user.username, event: "logout", ipAddress: clientIp(headers), userAgent: userAgent(headers) });
}
