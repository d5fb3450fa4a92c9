import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { RateLimitedError, ValidationError } from "../errors";
import { cleanupTempDirs } from "../../test/support/databases";
import { ADMIN, ADMIN_PASSWORD, authEvents, authFixture, cookieFrom, requestHeaders, seedAdmin, WRONG_PASSWORD } from "../../test/support/auth";
import type { Db } from "../db";
import { changeOwnPassword } from "./account";
import { auth } from "./auth";
import { getAdminSession, type AdminSession } from "./guard";
import { login } from "./login";

// The server action reads the request's headers through next/headers; here they are the test's.
const requestScope = vi.hoisted(() => ({ headers: new Headers() }));
vi.mock("next/headers", () => ({ headers: async () => requestScope.headers, cookies: async () => ({ get: () => undefined, set: () => undefined }) }));
const { changePasswordAction } = await import("../../app/(panel)/account/actions");

// Change-password's current-password check is a sign-in attempt: a session (stolen, or a browser left
// open) must not become a way to guess the password without limit. Its failures are audited as
// login_failed (from change-password), count together with failed sign-ins of the same client, and
// while the client is locked the answer is RATE_LIMITED with the seconds to wait, without a check.

afterAll(() => cleanupTempDirs());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const T0 = new Date("2030-07-01T08:00:00Z").getTime();
const NEW_PASSWORD = "a brand new passphrase";

async function signedIn(db: Db, ip: string): Promise<{ cookie: string; admin: AdminSession }> {
  const outcome = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip }));
  if (!outcome.ok) throw new Error(outcome.message);
  const cookie = cookieFrom(outcome.setCookies);
  const admin = await getAdminSession(db, requestHeaders({ cookie }));
  if (!admin) throw new Error("no session");
  return { cookie, admin };
}

const change = (db: Db, admin: AdminSession, headers: Headers, currentPassword: string) =>
  changeOwnPassword(db, admin, { currentPassword, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD }, headers).then(
    () => "changed" as const,
    (error: unknown) => error,
  );

describe.each(["sqlite", "postgresql"] as const)("change password on %s", (provider) => {
  const fixture = authFixture(provider);

  it("wrong current passwords are audited as failed sign-ins and count with them; at the limit the check is refused (RATE_LIMITED, seconds to wait), the right password too; after the lock it works", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    const ip = "127.0.0.5";
    const { cookie, admin } = await signedIn(db, ip);
    const headers = requestHeaders({ ip, cookie });
    const deviceId = (await authEvents(db)).at(-1)!.deviceId;
    expect(deviceId).toEqual(expect.any(String));

    // Two failed sign-ins from this browser, then three wrong current passwords: five failures.
    for (let i = 0; i < 2; i++) {
      vi.setSystemTime(T0 + 1000 + i * 1000);
      expect(await login(db, { username: ADMIN, password: WRONG_PASSWORD }, headers)).toMatchObject({ ok: false, status: 401 });
    }
    for (let i = 0; i < 3; i++) {
      vi.setSystemTime(T0 + 3000 + i * 1000);
      const wrong = await change(db, admin, headers, `not my password ${i}`);
      expect(wrong).toBeInstanceOf(ValidationError);
      expect((wrong as ValidationError).fields).toEqual({ currentPassword: "The current password is not correct" });
    }
    const failures = (await authEvents(db)).filter((e) => e.event === "login_failed");
    expect(failures.map((e) => [e.username, e.ipAddress, e.deviceId, e.detail])).toEqual([
      [ADMIN, ip, deviceId, "UNAUTHORIZED"],
      [ADMIN, ip, deviceId, "UNAUTHORIZED"],
      ...Array(3).fill([ADMIN, ip, deviceId, "change-password: wrong current password"]),
    ]);

    // The 5th failure (T0 + 5 s) locked this client for 60 s: the right current password is not even checked.
    const check = vi.spyOn(auth().api, "changePassword");
    vi.setSystemTime(T0 + 5000);
    const refused = await change(db, admin, headers, ADMIN_PASSWORD);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 60, message: "Too many failed password checks. Try again in 60 s." });
    expect(check).not.toHaveBeenCalled();
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "login_locked", ipAddress: ip, deviceId });
    expect((await authEvents(db)).at(-1)?.detail).toMatch(/^change-password: retry after 60 s/);

    // Through the server action the browser calls: the result carries the code and the seconds.
    requestScope.headers = headers;
    vi.setSystemTime(T0 + 20_000);
    expect(await changePasswordAction({ currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD })).toEqual({
      error: { code: "RATE_LIMITED", message: "Too many failed password checks. Try again in 45 s.", retryAfterSeconds: 45, requestId: expect.any(String) },
    });
    // Signing in from the same browser is held by the same lock.
    expect(await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, headers)).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 45 });

    // Once the lock is over the right current password changes it.
    vi.setSystemTime(T0 + 65_000);
    expect(await change(db, admin, headers, ADMIN_PASSWORD)).toBe("changed");
    expect(check).toHaveBeenCalledTimes(1);
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "password_changed", ipAddress: ip, deviceId });
    expect(await login(db, { username: ADMIN, password: NEW_PASSWORD }, requestHeaders({ ip: "127.0.0.6" }))).toMatchObject({ ok: true });
  });

  it("a stolen session from another address: wrong current passwords lock that address for change-password and sign-in, not the admin's own browser", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const mine = await signedIn(db, "127.0.0.1");
    const stolen = await signedIn(db, "127.0.0.2");
    // The thief replays the session cookie (no device cookie) from elsewhere.
    const sessionOnly = stolen.cookie
      .split("; ")
      .filter((c) => !c.startsWith("warden.device="))
      .join("; ");
    const thief = requestHeaders({ ip: "127.0.0.66", cookie: sessionOnly });
    for (let i = 0; i < 5; i++) expect(await change(db, stolen.admin, thief, `guess ${i}`)).toBeInstanceOf(ValidationError);
    const refused = await change(db, stolen.admin, thief, ADMIN_PASSWORD);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeGreaterThan(55);
    expect(await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, thief)).toMatchObject({ ok: false, status: 429 });
    expect(
      (await authEvents(db)).filter((e) => e.event === "login_failed" && e.ipAddress === "127.0.0.66" && e.detail?.startsWith("change-password")),
    ).toHaveLength(5);

    // The admin's own browser changes the password.
    expect(await change(db, mine.admin, requestHeaders({ ip: "127.0.0.1", cookie: mine.cookie }), ADMIN_PASSWORD)).toBe("changed");
  });
});
