import { afterAll, describe, expect, it, vi } from "vitest";
import { cleanupTempDirs } from "../../test/support/databases";
import { ADMIN, ADMIN_PASSWORD, authFixture, cookieFrom, requestHeaders, seedAdmin } from "../../test/support/auth";
import { auth, sessionUpdateAgeSeconds } from "./auth";
import { getAdminSession } from "./guard";
import { login } from "./login";
import { fastSessionLookup } from "./session-fast-path";

// The session check's fast path must agree with the library: it verifies the library's own cookie
// signature, answers a live session without calling the library, and hands everything else (expired,
// refresh due, unknown token) back to it.

afterAll(() => cleanupTempDirs());

describe.each(["sqlite", "postgresql"] as const)("session fast path on %s", (provider) => {
  const fixture = authFixture(provider);

  it("a fresh session is answered from one read, equal to what the library says", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const outcome = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "203.0.113.50" }));
    if (!outcome.ok) throw new Error(outcome.message);
    const headers = requestHeaders({ cookie: cookieFrom(outcome.setCookies) });

    const fast = await fastSessionLookup(db, headers, new Date());
    expect(fast.kind).toBe("session");
    const library = await auth().api.getSession({ headers });
    if (fast.kind !== "session" || !library) throw new Error("expected a session from both");
    expect(fast.row).toMatchObject({
      sessionId: library.session.id,
      token: library.session.token,
      userId: library.user.id,
      username: ADMIN,
      mustChangePassword: false,
    });
    expect(fast.row.expiresAt.getTime()).toBe(new Date(library.session.expiresAt).getTime());

    const spy = vi.spyOn(auth().api, "getSession");
    try {
      expect((await getAdminSession(db, headers))?.user.username).toBe(ADMIN);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it("a session due for its sliding refresh goes to the library, which moves its expiry", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const outcome = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "203.0.113.51" }));
    if (!outcome.ok) throw new Error(outcome.message);
    const headers = requestHeaders({ cookie: cookieFrom(outcome.setCookies) });
    const before = (await db.session.findFirstOrThrow()).expiresAt;

    const later = new Date(Date.now() + (sessionUpdateAgeSeconds() + 5) * 1000);
    expect((await fastSessionLookup(db, headers, later)).kind).toBe("library");
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(later);
      expect((await getAdminSession(db, headers))?.user.username).toBe(ADMIN);
    } finally {
      vi.useRealTimers();
    }
    expect((await db.session.findFirstOrThrow()).expiresAt.getTime()).toBeGreaterThan(before.getTime());
  });

  it("a cookie whose signature does not match is no session, without a database read", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const outcome = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "203.0.113.52" }));
    if (!outcome.ok) throw new Error(outcome.message);
    const cookie = cookieFrom(outcome.setCookies);
    const forged = cookie.replace(/=([^.]+)\./, "=$1x.");
    const spy = vi.spyOn(db, "$queryRaw");
    try {
      expect((await fastSessionLookup(db, requestHeaders({ cookie: forged }), new Date())).kind).toBe("none");
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it("a revoked session is no session, answered without the library (whose answer would clear a cookie a concurrent password change just set)", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const outcome = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "203.0.113.53" }));
    if (!outcome.ok) throw new Error(outcome.message);
    const headers = requestHeaders({ cookie: cookieFrom(outcome.setCookies) });
    await db.session.deleteMany({});
    const spy = vi.spyOn(auth().api, "getSession");
    try {
      expect((await fastSessionLookup(db, headers, new Date())).kind).toBe("none");
      expect(await getAdminSession(db, headers)).toBeNull();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
