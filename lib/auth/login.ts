import "server-only";
import { isAuthApiError } from "./api-error";
import type { Db } from "../db";
import { ZLoginInput, safeNextPath } from "./credentials-schema";
import { auth } from "./auth";
import { clientIp, userAgent } from "./client-info";
import { newDeviceId, deviceSetCookie } from "./device-cookie";
import { recordAuthEvent } from "./auth-events";
import { attemptKeys, describeLock, normalizeUsername, oneAtATime, throttleState, trustedDeviceId } from "./lockout";
import { upgradePasswordHashOnSignIn } from "./password-hash";

export const INVALID_CREDENTIALS = "Invalid username or password.";

export type LoginOutcome =
  | { ok: true; username: string; next: string; setCookies: string[] }
  | { ok: false; status: 400 | 401 | 429; message: string; retryAfterSeconds?: number; fields?: Record<string, string> };

/**
 * Signs an admin in. Order matters: shape check (no audit row: nothing was attempted), the throttle
 * (lib/auth/lockout.ts; a correct password is refused too), then the library's credential check,
 * whose answer is the same message for an unknown user and a wrong password (it hashes for unknown
 * users, so timing matches). A success gives the browser a device cookie for the account.
 */
export async function login(db: Db, input: unknown, requestHeaders: Headers): Promise<LoginOutcome> {
  const parsed = ZLoginInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, status: 400, message: issue.message, fields: { [String(issue.path[0] ?? "_")]: issue.message } };
  }
  const { password, next } = parsed.data;
  const username = normalizeUsername(parsed.data.username);
  const ip = clientIp(requestHeaders);
  const ua = userAgent(requestHeaders);
  const deviceId = trustedDeviceId(requestHeaders, username, { ip, source: "login" });
  return oneAtATime(attemptKeys(username, ip), () => attempt(db, { username, password, next, ip, ua, deviceId, requestHeaders }));
}

async function attempt(
  db: Db,
  {
    username,
    password,
    next,
    ip,
    ua,
    deviceId,
    requestHeaders,
  }: { username: string; password: string; next?: string; ip: string | null; ua: string | null; deviceId: string | null; requestHeaders: Headers },
): Promise<LoginOutcome> {
  const lock = await throttleState(db, { username, ip, deviceId });
  if (lock.locked) {
    await recordAuthEvent(db, { username, event: "login_locked", ipAddress: ip, userAgent: ua, deviceId, detail: describeLock(lock) });
    return {
      ok: false,
      status: 429,
      retryAfterSeconds: lock.retryAfterSeconds,
      message: `Too many failed sign-ins. Try again in ${lock.retryAfterSeconds} s.`,
    };
  }

  try {
    const { headers } = await auth().api.signInUsername({ body: { username, password }, headers: requestHeaders, returnHeaders: true });
    await upgradePasswordHashOnSignIn(db, username, password);
    // This browser is now known to the account: a new device cookie, or the same one renewed.
    const device = deviceId ?? newDeviceId();
    await recordAuthEvent(db, { username, event: "login_succeeded", ipAddress: ip, userAgent: ua, deviceId: device });
    return { ok: true, username, next: safeNextPath(next), setCookies: [...headers.getSetCookie(), deviceSetCookie(username, device)] };
  } catch (error) {
    if (!isAuthApiError(error) || error.statusCode >= 500) throw error;
    await recordAuthEvent(db, { username, event: "login_failed", ipAddress: ip, userAgent: ua, deviceId, detail: String(error.status) });
    return { ok: false, status: 401, message: INVALID_CREDENTIALS };
  }
}
