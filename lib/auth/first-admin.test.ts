import { afterAll, describe, expect, it, vi } from "vitest";
import { ValidationError } from "../errors";
import { electLeader } from "../reconcile/leader";
import { cleanupTempDirs } from "../../test/support/databases";
import { accountTables, authEvents, authFixture, requestHeaders } from "../../test/support/auth";
import { login } from "./login";
import { hashPassword } from "./password-hash";
import { adminExists, createFirstAdmin, SetupClosedError } from "./first-admin";
import { SetupTokenError } from "./setup-token";
import { seedSetupToken, TEST_SETUP_TOKEN } from "../../test/support/setup-token";

const timed = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return performance.now() - started;
};

// First-run setup creates exactly one admin, also when several submissions arrive at once
// (several processes: test/auth-setup-race.test.ts).

afterAll(() => cleanupTempDirs());

const PASSWORD = "first admin password";
const client = { ip: "192.0.2.10", userAgent: "vitest" };
const submission = (username: string, token: string | undefined = TEST_SETUP_TOKEN) => ({ username, password: PASSWORD, confirm: PASSWORD, token });

describe.each(["sqlite", "postgresql"] as const)("first-run setup on %s", (provider) => {
  const fixture = authFixture(provider);

  it.each([2, 5])("%i concurrent submissions with different usernames create exactly one admin", async (n) => {
    const { db } = fixture();
    await seedSetupToken(db);
    const names = Array.from({ length: n }, (_, i) => `admin${i + 1}`);
    const results = await Promise.allSettled(names.map((name) => createFirstAdmin(db, submission(name), client)));

    const created = results.flatMap((r, i) => (r.status === "fulfilled" ? [names[i]!] : []));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(n - 1);
    for (const error of refused) expect(error).toBeInstanceOf(SetupClosedError);

    const winner = created[0]!;
    const users = await db.user.findMany();
    expect(users.map((u) => u.username)).toEqual([winner]);
    const accounts = await db.account.findMany();
    expect(accounts.map((a) => ({ userId: a.userId, providerId: a.providerId }))).toEqual([{ userId: users[0]!.id, providerId: "credential" }]);
    expect((await authEvents(db)).map((e) => [e.event, e.username])).toEqual([["setup", winner]]);

    // The winner signs in; a loser's name is not an account.
    expect((await login(db, { username: winner, password: PASSWORD }, requestHeaders())).ok).toBe(true);
    const loser = names.find((name) => name !== winner)!;
    expect(await login(db, { username: loser, password: PASSWORD }, requestHeaders())).toMatchObject({ ok: false, status: 401 });
  });

  it("once an admin exists, setup is closed for good and writes nothing", async () => {
    const { db } = fixture();
    await seedSetupToken(db);
    expect(await adminExists(db)).toBe(false);
    await createFirstAdmin(db, submission("first"), client);
    expect(await adminExists(db)).toBe(true);
    const before = await accountTables(db);
    const eventsBefore = await authEvents(db);

    await expect(createFirstAdmin(db, submission("second"), client)).rejects.toBeInstanceOf(SetupClosedError);
    await expect(createFirstAdmin(db, submission("first"), client)).rejects.toThrow("Setup is closed");
    expect(await accountTables(db)).toBe(before);
    expect(await authEvents(db)).toEqual(eventsBefore);
  });

  it("refuses a bad first admin with a field message and writes nothing", async () => {
    const { db } = fixture();
    await seedSetupToken(db);
    const before = await accountTables(db);
    const cases: [unknown, string, string][] = [
      [{ username: "admin", password: "short", confirm: "short" }, "password", "Password must be at least 12 characters"],
      [{ username: "admin", password: PASSWORD, confirm: `${PASSWORD}!` }, "confirm", "The two passwords differ"],
      [{ username: "", password: PASSWORD, confirm: PASSWORD }, "username", "Enter a username"],
      [{ username: "<b>x</b>", password: PASSWORD, confirm: PASSWORD }, "username", "Username may use only"],
      [{ username: "admin'; DROP TABLE users; --", password: PASSWORD, confirm: PASSWORD }, "username", "Username may use only"],
    ];
    for (const [input, field, message] of cases) {
      (input as { token?: string }).token = TEST_SETUP_TOKEN;
      const error = await createFirstAdmin(db, input, client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields[field]).toContain(message);
    }
    expect(await accountTables(db)).toBe(before);
    expect(await authEvents(db)).toEqual([]);
    expect(await adminExists(db)).toBe(false);
  });
});

describe.each(["sqlite", "postgresql"] as const)("the one-time setup token on %s", (provider) => {
  const fixture = authFixture(provider);

  it("without the token, with a wrong one or a reused one: refused, audited, nothing created", async () => {
    const { db } = fixture();
    await seedSetupToken(db);
    const { token: _omitted, ...withoutToken } = submission("admin");
    await expect(createFirstAdmin(db, withoutToken, client)).rejects.toBeInstanceOf(SetupTokenError);
    for (const token of ["", "not-the-token", `${TEST_SETUP_TOKEN}x`, TEST_SETUP_TOKEN.slice(1)]) {
      await expect(createFirstAdmin(db, submission("admin", token), client)).rejects.toBeInstanceOf(SetupTokenError);
    }
    expect(await adminExists(db)).toBe(false);
    expect(await db.setupToken.count()).toBe(1); // a refusal does not spend it
    expect((await authEvents(db)).map((e) => [e.event, e.detail])).toEqual([
      ["setup_refused", "no setup token"],
      ["setup_refused", "no setup token"],
      ["setup_refused", "wrong setup token"],
      ["setup_refused", "wrong setup token"],
      ["setup_refused", "wrong setup token"],
    ]);

    await createFirstAdmin(db, submission("admin"), client);
    expect(await db.setupToken.count()).toBe(0); // spent with the admin's creation
    // The same token again: setup is closed for good.
    await expect(createFirstAdmin(db, submission("second"), client)).rejects.toBeInstanceOf(SetupClosedError);
  });

  it("no token row at all (never made, or already spent): refused", async () => {
    const { db } = fixture();
    await db.setupToken.deleteMany({});
    await expect(createFirstAdmin(db, submission("admin"), client)).rejects.toBeInstanceOf(SetupTokenError);
    expect(await adminExists(db)).toBe(false);
  });
});

describe("first-run setup on postgresql while a replica holds the leader lock", () => {
  const fixture = authFixture("postgresql");

  it("finishes in under 2 s beyond its password hash: setup's lock is not the leader's", async () => {
    const { db, url } = fixture();
    await seedSetupToken(db);
    const leadership = electLeader(url, { onElected: () => undefined, onLost: () => undefined }, 100);
    try {
      await vi.waitFor(() => expect(leadership.isLeader()).toBe(true));
      // Setup hashes once (scrypt at ADR 009's cost, ~0.6 s here, seconds on a loaded machine). Blocked
      // on the leader's lock it would never finish (the leader holds it for the whole test), so the bound
      // only has to leave room for the hash and a loaded machine.
      const oneHash = await timed(() => hashPassword(PASSWORD));
      const started = performance.now();
      await createFirstAdmin(db, submission("admin"), client);
      expect(performance.now() - started).toBeLessThan(2_000 + 3 * oneHash);
      expect(await adminExists(db)).toBe(true);
      expect(leadership.isLeader()).toBe(true);
    } finally {
      await leadership.stop();
    }
  });
});
