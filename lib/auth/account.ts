import { isAuthApiError } from "./api-error";
import type { Db } from "../db";
import { ValidationError } from "../errors";
import { fieldErrors } from "../security/input-schema";
import { auth } from "./auth";
import { ZChangePasswordInput } from "./credentials-schema";
import { clientIp, userAgent } from "./client-info";
import { recordAuthEvent } from "./events";
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
  await recordAuthEvent(db, { username: admin.user.username, event: "session_revoked", ipAddress: clientIp(headers), userAgent: userAgent(headers), detail: `${plural(count, "other session")}` });
  return { revoked: count };
}

/**
 * Changes the admin's own password (current password required) and ends every other session; the
 * library issues a fresh session for this browser. Clears the "must change password" mark.
 */
export async function changeOwnPassword(db: Db, admin: AdminSession, input: unknown, headers: Headers): Promise<void> {
  const parsed = ZChangePasswordInput.safeParse(input);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    throw new ValidationError(Object.values(fields)[0] ?? "Invalid request", fields);
  }
  try {
    await auth().api.changePassword({
      body: { currentPassword: parsed.data.currentPassword, newPassword: parsed.data.newPassword, revokeOtherSessions: true },
      headers,
    });
  } catch (error) {
    if (isAuthApiError(error) && error.statusCode < 500) {
      throw new ValidationError("The current password is not correct", { currentPassword: "The current password is not correct" });
    }
    throw error;
  }
  await db.user.update({ where: { id: admin.user.id }, data: { mustChangePassword: false } });
  await recordAuthEvent(db, { username: admin.user.username, event: "password_changed", ipAddress: clientIp(headers), userAgent: userAgent(headers), detail: "other sessions revoked" });
}

/** Ends the current session on the server and clears the cookie. */
export async function logout(db: Db, admin: AdminSession, headers: Headers): Promise<void> {
  await auth().api.signOut({ headers });
  // signOut deletes by token; make sure the row is gone even if the library's call changes.
  await db.session.deleteMany({ where: { id: admin.session.id } });
  await recordAuthEvent(db, { username: admin.user.username, event: "logout", ipAddress: clientIp(headers), userAgent: userAgent(headers) });
}
