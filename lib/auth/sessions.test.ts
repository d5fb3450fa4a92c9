import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { ValidationError } from "../errors";
import { cleanupTempDirs, tempDir } from "../../test/support/databases";
import { ADMIN, ADMIN_PASSWORD, accountTables, authEvents, authFixture, cookieFrom, requestHeaders, seedAdmin, pointAuthAt } from "../../test/support/auth";
import type { Db } from "../db";
import { changeOwnPassword, listSessions, logout, revokeOtherSessions, revokeSession } from "./account";
import { getAdminSession, requireAdmin, UnauthenticatedError, type AdminSession } from "./guard";
import { login } from "./login";

// Server-side sessions as an admin meets them: logout and revocation end a session at once (the
// cookie alone no longer works), a password change ends the other sessions, idle and absolute expiry
// (with a test clock), sessions survive a restart, and a forged cookie gets nothing and writes nothing.

afterAll(() => cleanupTempDirs());
afterEach(() => vi.useRealTimers());

const HOUR = 3600_000;

/** Signs in (from its own IP, so the lockout never interferes) and returns the browser's Cookie header. */
async function signIn(db: Db, password = ADMIN_PASSWORD, ip = "203.0.113.20"): Promise<string> {
  const outcome = await login(db, { username: ADMIN, password }, requestHeaders({ ip }));
  if (!outcome.ok) throw new Error(`login failed: ${outcome.message}`);
  return cookieFrom(outcome.setCookies);
}

const check = (db: Db, cookie: string, now?: Date) => getAdminSession(db, requestHeaders({ cookie }), now);

async function sessionOf(db: Db, cookie: string): Promise<AdminSession> {
  const session = await check(db, cookie);
  if (!session) throw new Error("expected a live session");
  return session;
}

describe.each(["sqlite", "postgresql"] as const)("sessions on %s", (provider) => {
  const fixture = authFixture(provider);

  it("logout ends the session on the server: the same cookie, replayed, gets nothing and writes nothing", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const cookie = await signIn(db);
    const admin = await sessionOf(db, cookie);
    expect(admin.user.username).toBe(ADMIN);

    await logout(db, admin, requestHeaders({ cookie }));
    expect(await db.session.count()).toBe(0);
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "logout", username: ADMIN });

    const tables = await accountTables(db);
    const events = await authEvents(db);
    expect(await check(db, cookie)).toBeNull();
    await expect(requireAdmin(db, requestHeaders({ cookie }))).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await accountTables(db)).toBe(tables);
    expect(await authEvents(db)).toEqual(events);
  });

  it("revoking another session ends it at once; the current one keeps working; the list marks the current one", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const laptop = await signIn(db, ADMIN_PASSWORD, "203.0.113.21");
    const phone = await signIn(db, ADMIN_PASSWORD, "203.0.113.22");
    const me = await sessionOf(db, laptop);
    const other = await sessionOf(db, phone);

    const listed = await listSessions(db, me);
    expect(listed.map((s) => [s.id, s.current]).sort()).toEqual(
      [
        [me.session.id, true],
        [other.session.id, false],
      ].sort(),
    );
    expect(JSON.stringify(listed)).not.toContain(me.session.token); // tokens never leave the server

    expect(await revokeSession(db, me, other.session.id, requestHeaders({ cookie: laptop }))).toEqual({ revoked: 1 });
    expect(await check(db, phone)).toBeNull();
    expect((await check(db, laptop))?.session.id).toBe(me.session.id);
    expect((await listSessions(db, me)).map((s) => s.id)).toEqual([me.session.id]);

    // An id that is not (or no longer) a session of this admin: a clear error, nothing deleted.
    await expect(revokeSession(db, me, other.session.id, requestHeaders())).rejects.toThrow("That session does not exist or has already ended");
    await expect(revokeSession(db, me, "x".repeat(65), requestHeaders())).rejects.toBeInstanceOf(ValidationError);
    await expect(revokeSession(db, me, 42, requestHeaders())).rejects.toBeInstanceOf(ValidationError);
    expect(await db.session.count()).toBe(1);
  });

  it("revoking the other sessions keeps only the current one", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const cookies = [
      await signIn(db, ADMIN_PASSWORD, "203.0.113.31"),
      await signIn(db, ADMIN_PASSWORD, "203.0.113.32"),
      await signIn(db, ADMIN_PASSWORD, "203.0.113.33"),
    ];
    const me = await sessionOf(db, cookies[1]!);
    expect(await revokeOtherSessions(db, me, requestHeaders({ cookie: cookies[1] }))).toEqual({ revoked: 2 });
    expect(await check(db, cookies[0]!)).toBeNull();
    expect(await check(db, cookies[2]!)).toBeNull();
    expect((await check(db, cookies[1]!))?.session.id).toBe(me.session.id);
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "session_revoked", username: ADMIN, detail: "2 other sessions" });
  });

  it("changing the password needs the current one; it ends every other session and the old password stops working", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const mine = await signIn(db, ADMIN_PASSWORD, "203.0.113.41");
    const other = await signIn(db, ADMIN_PASSWORD, "203.0.113.42");
    const me = await sessionOf(db, mine);
    const otherSession = await sessionOf(db, other);
    const headers = requestHeaders({ cookie: mine });
    const newPassword = "a brand new passphrase";

    const before = await accountTables(db);
    const eventsBefore = await authEvents(db);
    const wrong = await changeOwnPassword(db, me, { currentPassword: "not my password", newPassword, confirm: newPassword }, headers).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ValidationError);
    expect((wrong as ValidationError).fields).toEqual({ currentPassword: "The current password is not correct" });
    // A wrong current password is a failed sign-in attempt (change-password.test.ts): its one audit row.
    const afterWrong = await authEvents(db);
    expect(afterWrong.slice(eventsBefore.length)).toEqual([
      expect.objectContaining({ event: "login_failed", username: ADMIN, ipAddress: "203.0.113.7", detail: "change-password: wrong current password" }),
    ]);
    for (const [input, field] of [
      [{ currentPassword: ADMIN_PASSWORD, newPassword: "short", confirm: "short" }, "newPassword"],
      [{ currentPassword: ADMIN_PASSWORD, newPassword, confirm: `${newPassword}.` }, "confirm"],
      [{ currentPassword: ADMIN_PASSWORD, newPassword: ADMIN_PASSWORD, confirm: ADMIN_PASSWORD }, "newPassword"],
      [{ currentPassword: "", newPassword, confirm: newPassword }, "currentPassword"],
    ] as const) {
      const error = await changeOwnPassword(db, me, input, headers).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fields)).toEqual([field]);
    }
    expect(await accountTables(db), "a refused change changes nothing").toBe(before);
    expect(await authEvents(db), "input refused before the password check writes nothing").toEqual(afterWrong);

    await changeOwnPassword(db, me, { currentPassword: ADMIN_PASSWORD, newPassword, confirm: newPassword }, headers);
    expect(await check(db, other)).toBeNull();
    // The library replaces this browser's session with a fresh one (sent as a new cookie); no other remains.
    const remaining = await db.session.findMany();
    expect(remaining).toHaveLength(1);
    expect(remaining[0]!.id).not.toBe(otherSession.session.id);
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "password_changed", username: ADMIN });
    // The library hashed the new password with Warden's scrypt (ADR 009), not its own.
    expect((await db.account.findFirstOrThrow()).password).toMatch(/^\$scrypt\$v=1\$ln=17,r=8,p=1\$/);

    expect(await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "203.0.113.43" }))).toMatchObject({ ok: false, status: 401 });
    expect(await login(db, { username: ADMIN, password: newPassword }, requestHeaders({ ip: "203.0.113.44" }))).toMatchObject({ ok: true });
  });

  it("idle expiry: unused for longer than WARDEN_SESSION_IDLE_HOURS (12 h) the session ends; each use moves the deadline", async () => {
    // The absolute limit far away (72 h), so only idle time can end these sessions.
    const db = await fixture().reconfigure({ WARDEN_SESSION_MAX_HOURS: "72" });
    await seedAdmin(db);
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = new Date("2030-03-01T08:00:00Z").getTime();
    vi.setSystemTime(t0);
    const idle = await signIn(db, ADMIN_PASSWORD, "203.0.113.51");
    const busy = await signIn(db, ADMIN_PASSWORD, "203.0.113.52");
    const idleId = (await sessionOf(db, idle)).session.id;

    vi.setSystemTime(t0 + 11 * HOUR);
    expect(await check(db, busy)).not.toBeNull(); // used: its idle deadline moves to t0 + 23 h
    vi.setSystemTime(t0 + 12 * HOUR + 60_000);
    expect(await check(db, idle)).toBeNull();
    expect(await db.session.findUnique({ where: { id: idleId } }), "the idle session is deleted").toBeNull();
    expect(await check(db, busy)).not.toBeNull(); // used 1 h ago; deadline now t0 + 24 h 1 min
    vi.setSystemTime(t0 + 24 * HOUR + 2 * 60_000);
    expect(await check(db, busy)).toBeNull(); // 12 h and a minute since its last use
    expect(await db.session.count()).toBe(0);
  });

  it("absolute expiry: after WARDEN_SESSION_MAX_HOURS (24 h) a session ends even if it was used a minute ago", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const cookie = await signIn(db);
    const created = (await sessionOf(db, cookie)).session.createdAt.getTime();
    expect(await check(db, cookie, new Date(created + 23.9 * HOUR))).not.toBeNull();
    expect(await check(db, cookie, new Date(created + 24 * HOUR + 1000))).toBeNull();
    expect(await db.session.count(), "the expired session is deleted").toBe(0);
    expect(await check(db, cookie)).toBeNull();

    // The same with the clock itself moving and the session kept busy every 10 h.
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = new Date("2030-03-02T08:00:00Z").getTime();
    vi.setSystemTime(t0);
    const busy = await signIn(db, ADMIN_PASSWORD, "203.0.113.61");
    for (const hours of [10, 20, 23.5]) {
      vi.setSystemTime(t0 + hours * HOUR);
      expect(await check(db, busy), `${hours} h`).not.toBeNull();
    }
    vi.setSystemTime(t0 + 24 * HOUR + 60_000);
    expect(await check(db, busy)).toBeNull();
  });

  it("a session survives a restart (new auth instance, same database and data directory), not a new secret", async () => {
    const { db, url, dataDir } = fixture();
    await seedAdmin(db);
    const cookie = await signIn(db);
    const id = (await sessionOf(db, cookie)).session.id;

    const restarted = await pointAuthAt(url, dataDir);
    expect((await check(restarted, cookie))?.session.id).toBe(id);

    // Control: another data directory means another signing secret, and the cookie no longer verifies.
    const otherSecret = await pointAuthAt(url, tempDir("warden-auth-other-"));
    expect(await check(otherSecret, cookie)).toBeNull();
    expect(await otherSecret.session.count()).toBe(1);
  });

  it("tampered, foreign or garbage cookies get no session and write nothing", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const cookie = await signIn(db);
    const live = await sessionOf(db, cookie);
    const value = cookie.match(/warden\.session_token=([^;]+)/)![1]!;
    const [token, signature] = decodeURIComponent(value).split(".");
    expect(token).toBe(live.session.token);
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);

    const forged = [
      `warden.session_token=${encodeURIComponent(`${token}.${flip(signature!)}`)}`, // signature changed
      `warden.session_token=${encodeURIComponent(`${flip(token!)}.${signature}`)}`, // token changed
      `warden.session_token=${encodeURIComponent(token!)}`, // unsigned token
      `warden.session_token=${encodeURIComponent(`${crypto.randomUUID()}.${signature}`)}`,
      "warden.session_token=garbage",
      "warden.session_token=",
      `warden.session_token=${"x".repeat(8192)}`,
      `better-auth.session_token=${value}`, // right value, another cookie name
      `warden.session_token=${value.slice(0, -2)}`,
      "warden.session_token=%E0%A4%A",
      "; ; =;",
    ];
    const tables = await accountTables(db);
    const events = await authEvents(db);
    for (const c of forged) expect(await check(db, c), c.slice(0, 60)).toBeNull();
    expect(await accountTables(db)).toBe(tables);
    expect(await authEvents(db)).toEqual(events);
    expect((await check(db, cookie))?.session.id).toBe(live.session.id); // the real one still works
  });
});
