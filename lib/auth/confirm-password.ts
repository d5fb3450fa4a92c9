import "server-only";
import type { Db } from "../db";
import { RateLimitedError, ValidationError } from "../errors";
import { clientIp, userAgent } from "./client-info";
import { recordAuthEvent } from "./auth-events";
import type { AdminSession } from "./guard";
import { attemptKeys, describeLock, oneAtATime, throttleState, trustedDeviceId } from "./lockout";
import { verifyPassword } from "./password-hash";

/**
 * Asks a signed-in admin for their password again before a change that cannot be taken back from the
 * browser (applying migrations). Like the current-password check of a password change, it is a
 * sign-in attempt: throttled for this account and client, a wrong password recorded as `login_failed`
 * and counted, so a session left open cannot be used to guess the password.
 */
export async function confirmOwnPassword(db: Db, admin: AdminSession, password: string, headers: Headers, purpose: string): Promise<void> {
  const username = admin.user.username;
  const ip = clientIp(headers);
  const ua = userAgent(headers);
  const deviceId = trustedDeviceId(headers, username, { ip, source: "confirm-password" });
  await oneAtATime(attemptKeys(username, ip), async () => {
    const lock = await throttleState(db, { username, ip, deviceId });
    if (lock.locked) {
      await recordAuthEvent(db, { username, event: "login_locked", ipAddress: ip, userAgent: ua, deviceId, detail: `${purpose}: ${describeLock(lock)}` });
      throw new RateLimitedError(`Too many failed password checks. Try again in ${lock.retryAfterSeconds} s.`, lock.retryAfterSeconds);
    }
    const account = await db.account.findFirst({ where: { userId: admin.user.id, providerId: "credential" }, select: { password: true } });
    const ok = account?.password ? await verifyPassword({ hash: account.password, password }) : false;
    if (!ok) {
      await recordAuthEvent(db, { username, event: "login_failed", ipAddress: ip, userAgent: ua, deviceId, detail: `${purpose}: wrong password` });
      throw new ValidationError("The password is not correct", { password: "The password is not correct" });
    }
  });
}
