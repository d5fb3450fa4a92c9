import { isAuthApiError } from "./api-error";
import type { Db } from "../db";
import { ZLoginInput, safeNextPath } from "./credentials-schema";
import { auth } from "./auth";
import { clientIp, userAgent } from "./client-info";
import { recordAuthEvent } from "./events";
import { lockoutState, normalizeUsername } from "./lockout";
import { upgradePasswordHashOnSignIn } from "./password-hash";

export const INVALID_CREDENTIALS = "Invalid username or password.";

export type LoginOutcome =
  | { ok: true; username: string; next: string; setCookies: string[] }
  | { ok: false; status: 400 | 401 | 429; message: string; retryAfterSeconds?: number; fields?: Record<string, string> };

/**
 * Signs an admin in. Order matters: shape check (no audit row: nothing was attempted), lockout (a
 * correct password is refused too), then the library's credential check, whose answer is the same
 * message for an unknown user and a wrong password (it hashes for unknown users, so timing matches).
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
  return oneAtATime([`user:${username}`, ...(ip ? [`ip:${ip}`] : [])], () => attempt(db, { username, password, next, ip, ua, requestHeaders }));
}

// Attempts on the same account or from the same IP run one after another in this process: the lockout
// counts recorded failures, so N attempts in parallel would all pass the check before any failure is
// recorded (N guesses instead of 5 per window). On globalThis, like the db and auth instances: the
// login action and route may be bundled apart, and must still share one queue per key.
const globalForLogin = globalThis as unknown as { wardenLoginQueues?: Map<string, Promise<void>> };
const tails = (globalForLogin.wardenLoginQueues ??= new Map<string, Promise<void>>());

async function oneAtATime<T>(keys: string[], run: () => Promise<T>): Promise<T> {
  const earlier = keys.map((key) => tails.get(key));
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  for (const key of keys) tails.set(key, done);
  try {
    await Promise.all(earlier);
    return await run();
  } finally {
    release();
    for (const key of keys) if (tails.get(key) === done) tails.delete(key);
  }
}

async function attempt(
  db: Db,
  { username, password, next, ip, ua, requestHeaders }: { username: string; password: string; next?: string; ip: string | null; ua: string | null; requestHeaders: Headers },
): Promise<LoginOutcome> {
  const lock = await lockoutState(db, username, ip);
  if (lock.locked) {
    await recordAuthEvent(db, { username, event: "login_locked", ipAddress: ip, userAgent: ua, detail: `retry after ${lock.retryAfterSeconds} s` });
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
    await recordAuthEvent(db, { username, event: "login_succeeded", ipAddress: ip, userAgent: ua });
    return { ok: true, username, next: safeNextPath(next), setCookies: headers.getSetCookie() };
  } catch (error) {
    if (!isAuthApiError(error) || error.statusCode >= 500) throw error;
    await recordAuthEvent(db, { username, event: "login_failed", ipAddress: ip, userAgent: ua, detail: String(error.status) });
    return { ok: false, status: 401, message: INVALID_CREDENTIALS };
  }
}
