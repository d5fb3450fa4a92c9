import type { Db } from "../db";
import { authSettings } from "./settings";

export interface LockoutState {
  locked: boolean;
  /** Seconds until another attempt is allowed (for Retry-After). */
  retryAfterSeconds: number;
  failuresForAccount: number;
  failuresForIp: number;
}

export const normalizeUsername = (username: string) => username.trim().toLowerCase();

/**
 * Failed sign-ins are the `login_failed` rows of the sign-in history, counted per account (the
 * username as typed, lower-cased, whether or not it exists) and per client IP over a sliding window.
 * At `maxFailures` in the window the next attempt is refused before the password is looked at, so a
 * correct password during a lockout is refused too.
 */
export async function lockoutState(db: Db, username: string, ip: string | null, now: Date = new Date()): Promise<LockoutState> {
  const { maxFailures, windowSeconds } = authSettings();
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const [forAccount, forIp] = await Promise.all([
    db.authEvent.findMany({
      where: { username: normalizeUsername(username), event: "login_failed", at: { gt: since } },
      orderBy: { at: "desc" },
      take: maxFailures,
      select: { at: true },
    }),
    ip
      ? db.authEvent.findMany({
          where: { ipAddress: ip, event: "login_failed", at: { gt: since } },
          orderBy: { at: "desc" },
          take: maxFailures,
          select: { at: true },
        })
      : Promise.resolve([]),
  ]);
  // Locked until the oldest of the last `maxFailures` failures leaves the window.
  const unlockAt = (rows: { at: Date }[]) => (rows.length >= maxFailures ? rows[rows.length - 1]!.at.getTime() + windowSeconds * 1000 : 0);
  const until = Math.max(unlockAt(forAccount), unlockAt(forIp));
  return {
    locked: until > now.getTime(),
    retryAfterSeconds: until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0,
    failuresForAccount: forAccount.length,
    failuresForIp: forIp.length,
  };
}
