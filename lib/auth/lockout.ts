import "server-only";
import type { Db } from "../db";
import { log } from "../log";
import { readDeviceCookie } from "./device-cookie";
import { authSettings } from "./auth-settings";
import { singleton } from "../process-registry";

/**
 * The sign-in throttle. Every limit counts `login_failed` rows of the sign-in history (a wrong
 * current password on change-password is one too), checked before any password is looked at, so a
 * correct password is refused while a limit holds. Answers are immediate (429 + Retry-After): the
 * server never sleeps.
 *
 * - Per (account, address): failures since that pair's last success, within 24 h. At every multiple
 *   of WARDEN_LOGIN_MAX_FAILURES the pair is locked for WARDEN_LOGIN_WINDOW_SECONDS × 2^(level − 1),
 *   at most WARDEN_LOGIN_MAX_LOCKOUT_SECONDS, counted from the failure that reached the level.
 * - Per address, all accounts: at most WARDEN_LOGIN_MAX_FAILURES failures in a sliding window of
 *   WARDEN_LOGIN_WINDOW_SECONDS (one address spraying many usernames).
 * - Per account, for clients the account does not know: at most WARDEN_LOGIN_ACCOUNT_CEILING failures
 *   an hour across all addresses (many addresses guessing one password).
 * - Per (account, device): a browser with a valid device cookie for the account (lib/auth/device-cookie.ts)
 *   is trusted: only its own failures (with the same growing windows) can lock it; the pair, address
 *   and account limits, earned by others, do not apply. A locked device is treated as untrusted (the
 *   OWASP device-cookie rule), so a stolen cookie gains nothing once its own limit is reached, while
 *   its owner still gets in from an address the account knows.
 * - An address the account signed in from successfully in the last 30 days is trusted too: it is not
 *   subject to the per-account ceiling (its own pair and address limits still apply).
 *
 * Account = the username as typed, lower-cased, whether or not it exists: an unknown user is throttled
 * exactly like a real one (it can never be trusted, since trust needs a successful sign-in).
 */

export const normalizeUsername = (username: string) => username.trim().toLowerCase();

/** Failures older than this, or before the key's last success, no longer count towards its level. */
export const FAILURE_MEMORY_SECONDS = 24 * 3600;
/** The window of the per-account ceiling. */
export const ACCOUNT_CEILING_WINDOW_SECONDS = 3600;
/** How long a successful sign-in from an address makes that address known to the account. */
export const KNOWN_ADDRESS_SECONDS = 30 * 86_400;
/** Events that prove the password from a client, and so reset that client's failure count. */
const SUCCESS_EVENTS = ["login_succeeded", "password_changed"];

export type Trust = "device" | "address" | "none";
export type Limit = "device" | "account+address" | "address" | "account ceiling";

export interface ThrottleClient {
  username: string;
  ip: string | null;
  /** The id in a valid device cookie for this account, or null. */
  deviceId: string | null;
}

export interface ThrottleState {
  locked: boolean;
  /** Seconds until an attempt can pass (for Retry-After); 0 when not locked. */
  retryAfterSeconds: number;
  /** What the client counts as: the device (cookie valid and not locked), a known address, or nothing. */
  trust: Trust;
  /** The limits that refuse this attempt now (empty when not locked). */
  limits: Limit[];
  /** Lock levels reached by this device and by this (account, address) pair (0 = none). */
  deviceLevel: number;
  pairLevel: number;
  failuresForDevice: number;
  failuresForPair: number;
  failuresForIp: number;
  failuresForAccount: number;
}

/** The lock of a key with growing windows, from its counted failures (oldest first). */
export function growingLock(failures: Date[], maxFailures: number, windowSeconds: number, maxLockoutSeconds: number): { level: number; until: number } {
  const level = Math.floor(failures.length / maxFailures);
  if (level === 0) return { level, until: 0 };
  const reachedAt = failures[level * maxFailures - 1]!.getTime();
  const seconds = Math.min(windowSeconds * 2 ** (level - 1), maxLockoutSeconds);
  return { level, until: reachedAt + seconds * 1000 };
}

/** Locked until the oldest of the last `limit` failures (newest first) leaves the sliding window. */
const slidingUntil = (newestFirst: { at: Date }[], limit: number, windowSeconds: number) =>
  newestFirst.length >= limit ? newestFirst[limit - 1]!.at.getTime() + windowSeconds * 1000 : 0;

type KeyWhere = { username: string; ipAddress?: string | null; deviceId?: string };

/** Failures of one key since its last success (within FAILURE_MEMORY_SECONDS), oldest first. */
async function failuresSinceSuccess(db: Db, where: KeyWhere, now: Date): Promise<Date[]> {
  const lastSuccess = await db.authEvent.findFirst({
    where: { ...where, event: { in: SUCCESS_EVENTS }, at: { lte: now } },
    orderBy: { at: "desc" },
    select: { at: true },
  });
  const memory = now.getTime() - FAILURE_MEMORY_SECONDS * 1000;
  const since = new Date(Math.max(memory, lastSuccess?.at.getTime() ?? 0));
  const rows = await db.authEvent.findMany({
    where: { ...where, event: "login_failed", at: { gt: since, lte: now } },
    orderBy: [{ at: "asc" }, { id: "asc" }],
    select: { at: true },
  });
  return rows.map((r) => r.at);
}

export async function throttleState(db: Db, client: ThrottleClient, now: Date = new Date()): Promise<ThrottleState> {
  const { maxFailures, windowSeconds, maxLockoutSeconds, accountCeiling } = authSettings();
  const username = normalizeUsername(client.username);
  const { ip, deviceId } = client;
  const t = now.getTime();
  const lock = (failures: Date[]) => growingLock(failures, maxFailures, windowSeconds, maxLockoutSeconds);

  const [deviceFailures, pairFailures, ipFailures, accountFailures, knownAddress] = await Promise.all([
    deviceId ? failuresSinceSuccess(db, { username, deviceId }, now) : Promise.resolve([]),
    // Without a client address (no server.mjs) every such client of the account shares one key.
    failuresSinceSuccess(db, { username, ipAddress: ip }, now),
    ip
      ? db.authEvent.findMany({
          where: { ipAddress: ip, event: "login_failed", at: { gt: new Date(t - windowSeconds * 1000), lte: now } },
          orderBy: { at: "desc" },
          take: maxFailures,
          select: { at: true },
        })
      : Promise.resolve([]),
    db.authEvent.findMany({
      where: { username, event: "login_failed", at: { gt: new Date(t - ACCOUNT_CEILING_WINDOW_SECONDS * 1000), lte: now } },
      orderBy: { at: "desc" },
      take: accountCeiling,
      select: { at: true },
    }),
    ip
      ? db.authEvent.findFirst({
          where: { username, ipAddress: ip, event: { in: SUCCESS_EVENTS }, at: { gt: new Date(t - KNOWN_ADDRESS_SECONDS * 1000), lte: now } },
          select: { id: true },
        })
      : Promise.resolve(null),
  ]);

  const device = deviceId ? lock(deviceFailures) : null;
  const pair = lock(pairFailures);
  const counts = {
    deviceLevel: device?.level ?? 0,
    pairLevel: pair.level,
    failuresForDevice: deviceFailures.length,
    failuresForPair: pairFailures.length,
    failuresForIp: ipFailures.length,
    failuresForAccount: accountFailures.length,
  };

  // A trusted device answers for itself alone.
  if (device && device.until <= t) return { locked: false, retryAfterSeconds: 0, trust: "device", limits: [], ...counts };

  const trust: Trust = knownAddress ? "address" : "none";
  const untrusted: [Limit, number][] = [
    ["account+address", pair.until],
    ["address", slidingUntil(ipFailures, maxFailures, windowSeconds)],
    ["account ceiling", trust === "none" ? slidingUntil(accountFailures, accountCeiling, ACCOUNT_CEILING_WINDOW_SECONDS) : 0],
  ];
  const holding = untrusted.filter(([, until]) => until > t);
  if (holding.length === 0) return { locked: false, retryAfterSeconds: 0, trust, limits: [], ...counts };

  let until = Math.max(...holding.map(([, u]) => u));
  const limits = holding.map(([limit]) => limit);
  // A locked device is let in again as soon as its own lock ends, if that comes first.
  if (device) {
    until = Math.min(until, device.until);
    limits.unshift("device");
  }
  return { locked: true, retryAfterSeconds: Math.max(1, Math.ceil((until - t) / 1000)), trust, limits, ...counts };
}

/**
 * The device id of the request's device cookie when it is valid for `username`; a cookie that is
 * forged, malformed or issued to another account is ignored (the client is untrusted) and logged.
 */
export function trustedDeviceId(
  headers: Headers,
  username: string,
  context: { ip: string | null; source: "login" | "change-password" | "confirm-password" },
): string | null {
  const device = readDeviceCookie(headers, username);
  if (device.kind === "valid") return device.deviceId;
  if (device.kind === "invalid") {
    log.warn(
      { event: "device_cookie_rejected", reason: device.reason, username: username.slice(0, 128), ip: context.ip, source: context.source },
      device.reason === "other_account"
        ? "device cookie issued to another account: treated as an unknown client"
        : "invalid device cookie: treated as an unknown client",
    );
  }
  return null;
}

/** A short text for the audit row of a refused attempt. */
export function describeLock(state: ThrottleState): string {
  return `retry after ${state.retryAfterSeconds} s (${state.limits.join(", ")}; client: ${state.trust === "none" ? "unknown" : `known ${state.trust}`})`;
}

// Attempts on the same account or from the same IP run one after another in this process: the
// throttle counts recorded failures, so N attempts in parallel would all pass the check before any
// failure is recorded (N guesses instead of the limit). In the process registry, like the db and auth
// instances: the login route and the account actions may be bundled apart, and must still share one
// queue per key.
const tails = singleton("login-queues", () => new Map<string, Promise<void>>());

/** The keys sign-in attempts and password checks are serialised on. */
export const attemptKeys = (username: string, ip: string | null) => [`user:${username}`, ...(ip ? [`ip:${ip}`] : [])];

export async function oneAtATime<T>(keys: string[], run: () => Promise<T>): Promise<T> {
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
