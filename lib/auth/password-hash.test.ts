import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { cleanupTempDirs } from "../../test/support/databases";
import { seedSetupToken } from "../../test/support/setup-token";
import { ADMIN, ADMIN_PASSWORD, accountTables, authFixture, legacyPasswordHash, requestHeaders, seedAdmin, WRONG_PASSWORD } from "../../test/support/auth";
import { log } from "../log";
import { INVALID_CREDENTIALS, login } from "./login";
import {
  CURRENT_PARAMS,
  defaultHashConcurrency,
  hashingStats,
  hashPassword,
  needsRehash,
  PasswordHashError,
  resetHashingPeak,
  verifyPassword,
} from "./password-hash";
import { resetPassword } from "./reset-password";
import { createFirstAdmin } from "./first-admin";

// Password hashing at OWASP's scrypt parameters (ADR 009), at the real cost (N=2^17, r=8, p=1): what is
// stored, that rows from before still sign in and are upgraded, that a tampered row cannot make the
// server allocate gigabytes, and that a burst of hashes never has more than the bound in flight.

afterAll(() => cleanupTempDirs());
afterEach(() => vi.restoreAllMocks());

const CURRENT_PREFIX = "$scrypt$v=1$ln=17,r=8,p=1$";
const NEW_FORMAT = /^\$scrypt\$v=1\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const LEGACY_FORMAT = /^[0-9a-f]{32}:[0-9a-f]{128}$/;
const MiB = 2 ** 20;

/** Replaces the parameters field of a current hash (salt and key kept). */
const withParams = (hash: string, params: string) => hash.replace("ln=17,r=8,p=1", params);

describe("hash format and verification", () => {
  it("a new hash records scrypt ln=17,r=8,p=1 with a 16-byte salt and 32-byte key; it accepts only the right password", async () => {
    const [a, b] = await Promise.all([hashPassword(ADMIN_PASSWORD), hashPassword(ADMIN_PASSWORD)]);
    expect(a).toMatch(NEW_FORMAT);
    expect(b).toMatch(NEW_FORMAT);
    expect(a, "a fresh salt every time").not.toBe(b);
    expect(CURRENT_PARAMS).toEqual({ ln: 17, r: 8, p: 1 });
    expect(await verifyPassword({ hash: a, password: ADMIN_PASSWORD })).toBe(true);
    expect(await verifyPassword({ hash: a, password: WRONG_PASSWORD })).toBe(false);
    expect(await verifyPassword({ hash: a, password: `${ADMIN_PASSWORD} ` })).toBe(false);
    expect(needsRehash(a)).toBe(false);
  });

  it("a hash from better-auth's own scrypt (rows from before) verifies and is marked for upgrade; a stronger hash is never downgraded", async () => {
    const legacy = await legacyPasswordHash(ADMIN_PASSWORD);
    expect(legacy).toMatch(LEGACY_FORMAT);
    expect(await verifyPassword({ hash: legacy, password: ADMIN_PASSWORD })).toBe(true);
    expect(await verifyPassword({ hash: legacy, password: WRONG_PASSWORD })).toBe(false);
    expect(needsRehash(legacy)).toBe(true);

    const current = await hashPassword(ADMIN_PASSWORD);
    expect(needsRehash(withParams(current, "ln=16,r=8,p=1")), "cheaper than today").toBe(true);
    expect(needsRehash(withParams(current, "ln=17,r=4,p=1"))).toBe(true);
    expect(needsRehash(withParams(current, "ln=18,r=8,p=1")), "dearer than today: kept").toBe(false);
    expect(needsRehash("not a hash")).toBe(true);
  });

  it("unicode passwords: the NFC and NFD spellings of one password are the same password, before and after the upgrade", async () => {
    const nfc = "pässwörd für den Admin".normalize("NFC");
    const nfd = nfc.normalize("NFD");
    expect(nfd).not.toBe(nfc);
    expect(await verifyPassword({ hash: await legacyPasswordHash(nfc), password: nfd })).toBe(true);
    expect(await verifyPassword({ hash: await hashPassword(nfc), password: nfd })).toBe(true);
  });

  it("tampered or oversized parameters are refused with a clear error before any scrypt runs (no memory, no wait), never quoting the hash", async () => {
    const good = await hashPassword(ADMIN_PASSWORD);
    const [, , , , salt, key] = good.split("$");
    const cases: [string, RegExp][] = [
      [withParams(good, "ln=30,r=8,p=1"), /ln=30, outside the allowed 10–20/],
      [withParams(good, "ln=17,r=1000,p=1"), /r=1000, outside the allowed 1–32/],
      [withParams(good, "ln=17,r=8,p=999"), /p=999, outside the allowed 1–4/],
      [withParams(good, "ln=17,r=32,p=1"), /512 MiB of scrypt memory .*more than the allowed 256 MiB/],
      [withParams(good, "ln=18,r=8,p=4"), /more scrypt work .* than twice the current cost/],
      [withParams(good, "ln=17,r=8"), /expected parameters ln=<n>,r=<n>,p=<n>/],
      [withParams(good, "ln=0x11,r=8,p=1"), /expected parameters/],
      [withParams(good, "ln=99999999999,r=8,p=1"), /expected parameters/],
      [good.replace("$v=1$", "$v=2$"), /unsupported format version "v=2"/],
      [`${CURRENT_PREFIX}${salt}$${key}$extra`, /unknown format/],
      [`${CURRENT_PREFIX}c2FsdA$${key}`, /salt is 4 bytes \(allowed 16–64\)/],
      [`${CURRENT_PREFIX}${salt}$${"A".repeat(300)}`, /key is 225 bytes \(allowed 16–64\)/],
      [`${CURRENT_PREFIX}${salt}!!$${key}`, /salt is not unpadded base64/],
      [`$argon2id$v=19$m=65536,t=3,p=4$${salt}$${key}`, /unknown format/],
      ["0123:abcd", /unknown format/],
      ["", /empty/],
      ["x".repeat(100_000), /malformed: 100000 characters/],
    ];
    resetHashingPeak();
    for (const [stored, message] of cases) {
      const started = performance.now();
      const error = await verifyPassword({ hash: stored, password: ADMIN_PASSWORD }).catch((e: unknown) => e);
      expect(error, stored.slice(0, 60)).toBeInstanceOf(PasswordHashError);
      expect((error as Error).message).toMatch(message);
      if (salt) expect((error as Error).message).not.toContain(salt);
      expect(performance.now() - started, "refused before hashing").toBeLessThan(50);
    }
    expect(hashingStats().peak, "no scrypt ran for any of them").toBe(0);
  });
});

describe("bounded concurrency", () => {
  /** Peak RSS while `run` runs: the kernel's high-water mark (reset first) and 2 ms samples, whichever is higher. */
  async function peakRss(run: () => Promise<unknown>): Promise<{ baseline: number; peak: number }> {
    const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;
    const baseline = process.memoryUsage.rss();
    writeFileSync("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS (Linux)
    let sampled = baseline;
    const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage.rss())), 2);
    try {
      await run();
    } finally {
      clearInterval(sampler);
    }
    return { baseline, peak: Math.max(sampled, hwm()) };
  }

  it("20 concurrent hashes: never more than the bound in flight, all 20 correct, and the memory stays under bound × 128 MiB", async () => {
    const { bound } = hashingStats();
    expect(bound).toBe(defaultHashConcurrency());
    expect(bound).toBeGreaterThanOrEqual(1);
    expect(bound, "fewer than libuv's 4 threads, so the bound is what limits").toBeLessThan(4);
    resetHashingPeak();
    let hashes: string[] = [];
    const { baseline, peak } = await peakRss(async () => {
      hashes = await Promise.all(Array.from({ length: 20 }, (_, i) => hashPassword(`burst passphrase ${i}`)));
    });
    expect(hashingStats().peak).toBe(bound);
    expect(hashingStats()).toMatchObject({ active: 0, queued: 0 });
    expect(new Set(hashes).size).toBe(20);
    expect(await verifyPassword({ hash: hashes[7]!, password: "burst passphrase 7" })).toBe(true);
    // Each scrypt at ln=17,r=8 touches 128 MiB; with libuv's 4 threads and no bound this would be 512 MiB.
    const grewMiB = (peak - baseline) / MiB;
    expect(grewMiB, `RSS grew by ${grewMiB.toFixed(0)} MiB`).toBeGreaterThan(100);
    expect(grewMiB, `RSS grew by ${grewMiB.toFixed(0)} MiB`).toBeLessThan(bound * 128 + 96);
  }, 180_000);

  it("the default bound is one per core, at most 4, and leaves one of libuv's threads free", () => {
    expect(defaultHashConcurrency(2, 4)).toBe(2);
    expect(defaultHashConcurrency(1, 4)).toBe(1);
    expect(defaultHashConcurrency(16, 4)).toBe(3);
    expect(defaultHashConcurrency(16, 16)).toBe(4);
    expect(defaultHashConcurrency(8, 1)).toBe(1);
  });
});

describe.each(["sqlite", "postgresql"] as const)("stored hashes on %s", (provider) => {
  const fixture = authFixture(provider);
  const storedHash = async (db: ReturnType<typeof fixture>["db"], username = ADMIN) =>
    (await db.account.findFirstOrThrow({ where: { providerId: "credential", user: { username } } })).password!;

  it("first-run setup stores the new format, and the admin signs in with it (no rewrite needed)", async () => {
    const { db } = fixture();
    const token = await seedSetupToken(db);
    await createFirstAdmin(db, { username: ADMIN, password: ADMIN_PASSWORD, confirm: ADMIN_PASSWORD, token }, { ip: null, userAgent: null });
    const stored = await storedHash(db);
    expect(stored).toMatch(NEW_FORMAT);
    expect(await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "198.51.100.1" }))).toMatchObject({ ok: true });
    expect(await storedHash(db), "already current: not rewritten").toBe(stored);
  });

  it("reset-password stores the new format, over a legacy row, and the new password signs in", async () => {
    const { db } = fixture();
    await seedAdmin(db, ADMIN, ADMIN_PASSWORD, { legacy: true });
    expect(await storedHash(db)).toMatch(LEGACY_FORMAT);
    await resetPassword(db, ADMIN, "a recovery passphrase");
    expect(await storedHash(db)).toMatch(NEW_FORMAT);
    expect(await login(db, { username: ADMIN, password: "a recovery passphrase" }, requestHeaders({ ip: "198.51.100.2" }))).toMatchObject({ ok: true });
  });

  it("a legacy hash signs in, the row is rewritten in the new format (logged at INFO with the username, never the hash), and the password still signs in after", async () => {
    const { db } = fixture();
    await seedAdmin(db, ADMIN, ADMIN_PASSWORD, { legacy: true });
    const legacy = await storedHash(db);
    expect(legacy).toMatch(LEGACY_FORMAT);
    const info = vi.spyOn(log, "info");

    expect(await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "198.51.100.3" }))).toMatchObject({ ok: true });
    const upgraded = await storedHash(db);
    expect(upgraded).toMatch(NEW_FORMAT);
    expect(await verifyPassword({ hash: upgraded, password: ADMIN_PASSWORD })).toBe(true);
    const rehashLogs = info.mock.calls.filter(([fields]) => (fields as { event?: string }).event === "password_rehashed");
    expect(rehashLogs).toHaveLength(1);
    expect(rehashLogs[0]![0]).toEqual({
      event: "password_rehashed",
      username: ADMIN,
      from: "better-auth scrypt ln=14,r=16,p=1",
      to: "scrypt v1 ln=17,r=8,p=1",
    });
    const logged = JSON.stringify(info.mock.calls);
    for (const secret of [legacy.slice(0, 32), legacy.slice(33), upgraded.split("$")[4]!, upgraded.split("$")[5]!, ADMIN_PASSWORD])
      expect(logged).not.toContain(secret);

    // Signs in again with the upgraded row; nothing is rewritten twice.
    expect(await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "198.51.100.4" }))).toMatchObject({ ok: true });
    expect(await storedHash(db)).toBe(upgraded);
    expect(info.mock.calls.filter(([fields]) => (fields as { event?: string }).event === "password_rehashed")).toHaveLength(1);
  });

  it("a wrong password on a legacy account never upgrades it: 401 and the account tables unchanged", async () => {
    const { db } = fixture();
    await seedAdmin(db, ADMIN, ADMIN_PASSWORD, { legacy: true });
    const before = await accountTables(db);
    expect(await login(db, { username: ADMIN, password: WRONG_PASSWORD }, requestHeaders({ ip: "198.51.100.5" }))).toEqual({
      ok: false,
      status: 401,
      message: INVALID_CREDENTIALS,
    });
    expect(await accountTables(db)).toBe(before);
    expect(await storedHash(db)).toMatch(LEGACY_FORMAT);
  });

  it("a row tampered to ask for ln=30 (128 GiB): the sign-in fails with a clear server error, nothing is allocated, the row is untouched, and the process keeps serving", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    await seedAdmin(db, "second-admin", "second admin passphrase");
    const admin = await db.user.findUniqueOrThrow({ where: { username: ADMIN } });
    const good = await storedHash(db);
    await db.account.updateMany({ where: { userId: admin.id }, data: { password: withParams(good, "ln=30,r=8,p=1") } });
    const before = await accountTables(db);
    resetHashingPeak();

    const error = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "198.51.100.6" })).catch((e: unknown) => e);
    // The login route turns an unexpected error into its generic 500 and logs the cause.
    expect(error).toBeInstanceOf(PasswordHashError);
    expect((error as Error).message).toBe("Stored password hash asks for scrypt ln=30, outside the allowed 10–20");
    expect(hashingStats().peak).toBe(0);
    expect(await accountTables(db)).toBe(before);
    expect(await login(db, { username: "second-admin", password: "second admin passphrase" }, requestHeaders({ ip: "198.51.100.7" }))).toMatchObject({
      ok: true,
    });
  });
});
