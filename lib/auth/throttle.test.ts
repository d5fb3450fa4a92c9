import { createHmac } from "node:crypto";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { cleanupTempDirs } from "../../test/support/databases";
import { ADMIN, ADMIN_PASSWORD, authEvents, authFixture, cookieFrom, requestHeaders, seedAdmin, WRONG_PASSWORD } from "../../test/support/auth";
import { POST as loginRoute } from "../../app/api/auth/login/route";
import type { Db } from "../db";
import { log } from "../log";
import { auth } from "./auth";
import { DEVICE_COOKIE_MAX_AGE_SECONDS } from "./device-cookie";
import { authSecret } from "./secret";
import { INVALID_CREDENTIALS, login, type LoginOutcome } from "./login";

// The sign-in throttle as an attacker and the real admin meet it: growing lockout windows per
// (account, address), the per-address limit, the per-account ceiling for unknown clients, and the
// device cookie (OWASP) that keeps the admin's browser and known address usable while others guess.
// Client addresses are 127.0.0.0/8 addresses in X-Forwarded-For, as server.mjs writes them.

afterAll(() => cleanupTempDirs());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const T0 = new Date("2030-06-01T08:00:00Z").getTime();
const at = (ms: number) => vi.setSystemTime(T0 + ms);

type Attempt = { ip: string; cookie?: string; password?: string; username?: string };
const attempt = (db: Db, { ip, cookie, password = WRONG_PASSWORD, username = ADMIN }: Attempt) =>
  login(db, { username, password }, requestHeaders({ ip, cookie }));

/** The device cookie (name=value) among a successful sign-in's Set-Cookie lines. */
function deviceCookie(outcome: LoginOutcome): string {
  if (!outcome.ok) throw new Error(`expected a sign-in, got ${outcome.status} ${outcome.message}`);
  const line = outcome.setCookies.find((c) => c.startsWith("warden.device="));
  if (!line) throw new Error("no device cookie was set");
  return line.split(";")[0]!;
}

/** The device id inside a device cookie value (v1.<user>.<id>.<mac>). */
const deviceIdOf = (cookie: string) => cookie.split("=")[1]!.split(".")[2]!;

/** Signs in as the admin from `ip` and returns the browser's device cookie. */
async function signedInBrowser(db: Db, ip: string, username = ADMIN, password = ADMIN_PASSWORD): Promise<string> {
  return deviceCookie(await attempt(db, { ip, password, username }));
}

const expect401 = (outcome: LoginOutcome) => expect(outcome).toEqual({ ok: false, status: 401, message: INVALID_CREDENTIALS });
const expect429 = (outcome: LoginOutcome, retryAfterSeconds?: number) => {
  expect(outcome).toMatchObject({ ok: false, status: 429, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
  if (!outcome.ok) expect(outcome.message).toBe(`Too many failed sign-ins. Try again in ${outcome.retryAfterSeconds} s.`);
};

/** POST /api/auth/login through the route handler, as server.mjs hands it a request. */
function postLogin(body: unknown, { ip, cookie }: { ip: string; cookie?: string }) {
  const headers = new Headers({ "content-type": "application/json", "user-agent": "vitest", "x-forwarded-for": ip });
  if (cookie) headers.set("cookie", cookie);
  return loginRoute(new Request("http://127.0.0.1/api/auth/login", { method: "POST", headers, body: JSON.stringify(body) }));
}

describe.each(["sqlite", "postgresql"] as const)("sign-in throttle on %s", (provider) => {
  const fixture = authFixture(provider);

  it("a successful sign-in gives the browser a device cookie (HttpOnly, SameSite=Lax, Path=/, 180 days), recorded with the sign-in and renewed with the same id", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const first = await attempt(db, { ip: "127.0.0.1", password: ADMIN_PASSWORD });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const line = first.setCookies.find((c) => c.startsWith("warden.device="))!;
    const attributes = line.split(";").map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "path=/", `max-age=${DEVICE_COOKIE_MAX_AGE_SECONDS}`]));
    expect(attributes).not.toContain("secure");
    const cookie = line.split(";")[0]!;
    const id = deviceIdOf(cookie);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "login_succeeded", ipAddress: "127.0.0.1", deviceId: id });

    // The same browser signing in again keeps its id; another browser gets another one.
    expect(deviceIdOf(deviceCookie(await attempt(db, { ip: "127.0.0.2", password: ADMIN_PASSWORD, cookie })))).toBe(id);
    expect(deviceIdOf(await signedInBrowser(db, "127.0.0.3"))).not.toBe(id);

    // Behind an https public URL it is Secure and __Secure- prefixed, like the session cookie.
    const https = await fixture().reconfigure({ WARDEN_PUBLIC_URL: "https://warden.example" });
    const secure = await login(https, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "127.0.0.4" }));
    const secureLine = secure.ok ? secure.setCookies.find((c) => c.startsWith("__Secure-warden.device=")) : undefined;
    expect(secureLine?.split(";").map((a) => a.trim().toLowerCase())).toEqual(expect.arrayContaining(["secure", "httponly", "samesite=lax"]));
  });

  it("growing windows: every further WARDEN_LOGIN_MAX_FAILURES (2 here) failures from one address lock it twice as long (60, 120, 240, 480, 960 s), Retry-After says so, and a success starts over", async () => {
    // 2 failures a level rather than the default 5 keeps the password hashes (the test's cost) down.
    const db = await fixture().reconfigure({ WARDEN_LOGIN_MAX_FAILURES: "2" });
    await seedAdmin(db);
    vi.useFakeTimers({ toFake: ["Date"] });
    const ip = "127.0.0.9";
    let now = 0;
    for (const [level, seconds] of [60, 120, 240, 480, 960].entries()) {
      for (let i = 0; i < 2; i++) {
        at(now + i * 1000);
        expect401(await attempt(db, { ip }));
      }
      // The 2nd failure (now + 1 s) reached the level: locked `seconds` from it, for the right password too.
      const reached = now + 1000;
      at(reached);
      expect429(await attempt(db, { ip }), seconds);
      at(reached + seconds * 1000 - 1000);
      expect429(await attempt(db, { ip, password: ADMIN_PASSWORD }), 1);
      if (level >= 3) {
        // The 4th and 5th lockouts, answered by the route with the same Retry-After header.
        at(reached + 1000);
        const response = await postLogin({ username: ADMIN, password: ADMIN_PASSWORD }, { ip });
        expect(response.status).toBe(429);
        expect(response.headers.get("retry-after")).toBe(String(seconds - 1));
        expect(await response.json()).toMatchObject({ error: { code: "RATE_LIMITED", message: `Too many failed sign-ins. Try again in ${seconds - 1} s.` } });
      }
      now = reached + seconds * 1000;
    }
    // After the 5th lock the right password gets in (through the route: a session and a device cookie) ...
    at(now);
    const response = await postLogin({ username: ADMIN, password: ADMIN_PASSWORD }, { ip });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().some((c) => c.startsWith("warden.device="))).toBe(true);
    // ... and the count starts over: 2 failures lock it for 60 s again.
    for (let i = 0; i < 2; i++) {
      at(now + 1000 + i * 1000);
      expect401(await attempt(db, { ip }));
    }
    expect429(await attempt(db, { ip }), 60);
    expect(await db.authEvent.count({ where: { event: "login_failed" } })).toBe(12);
  });

  it("WARDEN_LOGIN_MAX_LOCKOUT_SECONDS caps the growing window", async () => {
    const db = await fixture().reconfigure({ WARDEN_LOGIN_MAX_FAILURES: "1", WARDEN_LOGIN_MAX_LOCKOUT_SECONDS: "200" });
    await seedAdmin(db);
    vi.useFakeTimers({ toFake: ["Date"] });
    let now = 0;
    const seen: number[] = [];
    for (let level = 1; level <= 4; level++) {
      at(now);
      expect401(await attempt(db, { ip: "127.0.0.9" }));
      const refused = await attempt(db, { ip: "127.0.0.9" });
      expect429(refused);
      seen.push(refused.ok ? 0 : refused.retryAfterSeconds!);
      now += seen.at(-1)! * 1000;
    }
    expect(seen).toEqual([60, 120, 200, 200]);
  });

  it("an attacker failing from 12 addresses (127.0.0.10–21) cannot lock out the admin's known address, its browser, or the account; the addresses it used up are locked", async () => {
    const db = await fixture().reconfigure({ WARDEN_LOGIN_MAX_FAILURES: "2" });
    await seedAdmin(db);
    const browser = await signedInBrowser(db, "127.0.0.1");
    for (let host = 10; host < 22; host++) expect401(await attempt(db, { ip: `127.0.0.${host}` }));
    // Every address the attacker used has failed once: below any lock. One more from two of them:
    for (const host of [10, 11]) expect401(await attempt(db, { ip: `127.0.0.${host}` }));
    for (const host of [10, 11]) {
      expect429(await attempt(db, { ip: `127.0.0.${host}` }));
      expect429(await attempt(db, { ip: `127.0.0.${host}`, password: ADMIN_PASSWORD }));
    }
    // The admin: from its known address, with its browser from an address never seen, and (the
    // ceiling of 100 is not reached) from any other address.
    expect(await attempt(db, { ip: "127.0.0.1", password: ADMIN_PASSWORD })).toMatchObject({ ok: true });
    expect(await attempt(db, { ip: "127.0.0.200", password: ADMIN_PASSWORD, cookie: browser })).toMatchObject({ ok: true });
    expect(await attempt(db, { ip: "127.0.0.201", password: ADMIN_PASSWORD })).toMatchObject({ ok: true });
  });

  it("the per-address limit stays for unknown clients, but an address others locked does not keep out a browser with its device cookie", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const browser = await signedInBrowser(db, "127.0.0.1");
    // A shared address (an office NAT, a proxy not listed as trusted): someone sprays usernames from it.
    const shared = "127.0.0.77";
    for (const name of ["root", "administrator", "ghost", "admin2", "test"]) expect401(await attempt(db, { ip: shared, username: name }));
    expect429(await attempt(db, { ip: shared, password: ADMIN_PASSWORD }));
    expect429(await attempt(db, { ip: shared, username: "someone-else" }));
    // The admin's browser at that address signs in: the device answers for itself.
    expect(await attempt(db, { ip: shared, password: ADMIN_PASSWORD, cookie: browser })).toMatchObject({ ok: true });
  });

  it("the per-account ceiling: after 8 failures an hour (WARDEN_LOGIN_ACCOUNT_CEILING) from as many addresses, unknown clients are refused (right password too) until the hour frees up; the known address and the browser are not", async () => {
    const db = await fixture().reconfigure({ WARDEN_LOGIN_ACCOUNT_CEILING: "8" });
    await seedAdmin(db);
    vi.useFakeTimers({ toFake: ["Date"] });
    at(0);
    const browser = await signedInBrowser(db, "127.0.0.1");
    for (let i = 0; i < 8; i++) {
      at(1000 + i * 1000);
      expect401(await attempt(db, { ip: `127.0.0.${10 + i}` }));
    }
    // The oldest failure (t = 1 s) leaves the hour at 3601 s.
    at(9_000);
    const signIn = vi.spyOn(auth().api, "signInUsername");
    expect429(await attempt(db, { ip: "127.0.0.30" }), 3592);
    expect429(await attempt(db, { ip: "127.0.0.31", password: ADMIN_PASSWORD }), 3592);
    expect(signIn).not.toHaveBeenCalled();
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "login_locked", ipAddress: "127.0.0.31", deviceId: null });
    expect((await authEvents(db)).at(-1)?.detail).toContain("account ceiling");

    expect(await attempt(db, { ip: "127.0.0.1", password: ADMIN_PASSWORD })).toMatchObject({ ok: true });
    expect(await attempt(db, { ip: "127.0.0.32", password: ADMIN_PASSWORD, cookie: browser })).toMatchObject({ ok: true });
    // A trusted client's failure is its own: at the ceiling it is told the password is wrong, not locked out.
    expect401(await attempt(db, { ip: "127.0.0.33", cookie: browser }));

    // That failure counts towards the ceiling too, so the hour frees up when the 2nd oldest (t = 2 s) leaves it.
    at(3601_000);
    expect429(await attempt(db, { ip: "127.0.0.34", password: ADMIN_PASSWORD }), 1);
    at(3602_000);
    expect(await attempt(db, { ip: "127.0.0.34", password: ADMIN_PASSWORD })).toMatchObject({ ok: true });
  });

  it("a forged device cookie, or one issued to another account, is an unknown client (logged at WARN)", async () => {
    const db = await fixture().reconfigure({ WARDEN_LOGIN_ACCOUNT_CEILING: "4" });
    await seedAdmin(db);
    await seedAdmin(db, "ops", ADMIN_PASSWORD);
    const mine = await signedInBrowser(db, "127.0.0.1");
    const ops = await signedInBrowser(db, "127.0.0.2", "ops");
    for (let host = 10; host < 14; host++) expect401(await attempt(db, { ip: `127.0.0.${host}` }));
    const warn = vi.spyOn(log, "warn");

    const [, opsName, opsId, opsMac] = ops.split("=")[1]!.split(".");
    const b64 = (text: string) => Buffer.from(text).toString("base64url");
    const forgeries: [string, string][] = [
      [ops, "other_account"], // genuine, but for "ops"
      [`warden.device=v1.${b64(ADMIN)}.${opsId}.${opsMac}`, "bad_signature"], // ops's id and MAC relabelled as admin's
      [`warden.device=v1.${b64(ADMIN)}.${deviceIdOf(mine)}.${b64("x".repeat(32))}`, "bad_signature"], // the admin's id, a made-up MAC
      // Signed with another installation's secret.
      [
        `warden.device=v1.${b64(ADMIN)}.${opsId}.${createHmac("sha256", "another installation's secret, 32+ chars").update(`warden device cookie\0v1\0${ADMIN}\0${opsId}`).digest("base64url")}`,
        "bad_signature",
      ],
      [`warden.device=${"A".repeat(600)}`, "malformed"],
      ["warden.device=v1.YWRtaW4.not-an-id.x", "malformed"],
    ];
    expect(opsName).toBe(b64("ops"));
    for (const [cookie, reason] of forgeries) {
      warn.mockClear();
      expect429(await attempt(db, { ip: "127.0.0.50", cookie, password: ADMIN_PASSWORD }));
      expect(
        warn.mock.calls.some(
          ([fields]) => (fields as { event?: string; reason?: string }).event === "device_cookie_rejected" && (fields as { reason?: string }).reason === reason,
        ),
        reason,
      ).toBe(true);
    }
    // None of them was recorded as a device: the refusals carry no device id.
    const refusals = (await authEvents(db)).filter((e) => e.event === "login_locked");
    expect(refusals).toHaveLength(forgeries.length);
    expect(refusals.every((e) => e.deviceId === null)).toBe(true);
    // The genuine cookie, and ops's own cookie for ops, are trusted.
    expect(await attempt(db, { ip: "127.0.0.50", cookie: mine, password: ADMIN_PASSWORD })).toMatchObject({ ok: true });
    expect(await attempt(db, { ip: "127.0.0.51", cookie: ops, username: "ops" })).toEqual({ ok: false, status: 401, message: INVALID_CREDENTIALS });
    // The secret the genuine MAC depends on is the installation's own.
    expect(authSecret().length).toBeGreaterThanOrEqual(32);
  });

  it("a stolen device cookie is limited per device (growing windows) from any address; its owner still signs in from the known address", async () => {
    const db = await fixture().reconfigure({ WARDEN_LOGIN_ACCOUNT_CEILING: "4", WARDEN_LOGIN_MAX_FAILURES: "2" });
    await seedAdmin(db);
    vi.useFakeTimers({ toFake: ["Date"] });
    at(0);
    const stolen = await signedInBrowser(db, "127.0.0.1");
    for (let i = 0; i < 4; i++) {
      at(1000 + i * 100);
      expect401(await attempt(db, { ip: `127.0.0.${10 + i}` }));
    }
    expect429(await attempt(db, { ip: "127.0.0.60", password: ADMIN_PASSWORD })); // the ceiling holds unknown clients

    // The thief, from a new address for every guess: 2 guesses, then the device is locked for 60 s.
    let host = 100;
    at(10_000);
    for (let i = 0; i < 2; i++) expect401(await attempt(db, { ip: `127.0.0.${host++}`, cookie: stolen }));
    expect429(await attempt(db, { ip: `127.0.0.${host++}`, cookie: stolen }), 60);
    expect429(await attempt(db, { ip: `127.0.0.${host++}`, cookie: stolen, password: ADMIN_PASSWORD }), 60);
    // 60 s later 2 more, then 120 s.
    at(70_000);
    for (let i = 0; i < 2; i++) expect401(await attempt(db, { ip: `127.0.0.${host++}`, cookie: stolen }));
    expect429(await attempt(db, { ip: `127.0.0.${host++}`, cookie: stolen }), 120);
    const deviceFailures = await db.authEvent.count({ where: { event: "login_failed", deviceId: deviceIdOf(stolen) } });
    expect(deviceFailures).toBe(4);

    // The owner, with the same cookie, from the address it signed in from: the address is known.
    expect(await attempt(db, { ip: "127.0.0.1", cookie: stolen, password: ADMIN_PASSWORD })).toMatchObject({ ok: true });
  });

  it("parallel guesses with one device cookie from 12 addresses check at most 5 passwords", async () => {
    const db = await fixture().reconfigure({ WARDEN_LOGIN_ACCOUNT_CEILING: "2" });
    await seedAdmin(db);
    const stolen = await signedInBrowser(db, "127.0.0.1");
    for (let host = 10; host < 12; host++) expect401(await attempt(db, { ip: `127.0.0.${host}` }));
    const signIn = vi.spyOn(auth().api, "signInUsername");
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(db, { ip: `127.0.0.${100 + i}`, cookie: stolen })));
    expect(outcomes.filter((o) => !o.ok && o.status === 401)).toHaveLength(5);
    expect(outcomes.filter((o) => !o.ok && o.status === 429)).toHaveLength(7);
    expect(signIn).toHaveBeenCalledTimes(5);
  });

  it("the cookie header with other cookies and the session cookie around it still identifies the device", async () => {
    const db = await fixture().reconfigure({ WARDEN_LOGIN_ACCOUNT_CEILING: "1" });
    await seedAdmin(db);
    const outcome = await attempt(db, { ip: "127.0.0.1", password: ADMIN_PASSWORD });
    const cookies = `theme=dark; ${cookieFrom(outcome.ok ? outcome.setCookies : [])}; other=1`;
    expect401(await attempt(db, { ip: "127.0.0.10" }));
    expect429(await attempt(db, { ip: "127.0.0.11", password: ADMIN_PASSWORD }));
    expect(await attempt(db, { ip: "127.0.0.12", password: ADMIN_PASSWORD, cookie: cookies })).toMatchObject({ ok: true });
  });
});
