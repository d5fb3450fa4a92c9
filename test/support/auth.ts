import { randomUUID } from "node:crypto";
import { hashPassword as betterAuthHashPassword } from "better-auth/crypto";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { dbSlot, db as globalDb, dbProvider, type Db } from "../../lib/db";
import { authSlot } from "../../lib/auth/auth";
import type { Provider } from "../../lib/db-url";
import { resetEnvCache } from "../../lib/env";
import { resetFastPathForTests } from "../../lib/auth/session-fast-path";
import { resetAuthSettingsForTests } from "../../lib/auth/auth-settings";
import { recordAuthEvent } from "../../lib/auth/auth-events";
import { hashPassword } from "../../lib/auth/password-hash";
import { placeholderEmail } from "../../lib/auth/first-admin";
import { freshPostgres, freshSqliteUrl, tempDir } from "./databases";

// Authentication tests run lib/auth against real databases. lib/auth's better-auth instance and
// lib/db's client are process globals built from the environment on first use, so a test points the
// environment at its database and drops both globals (and the settings caches) before using them.

export const ADMIN = "admin";
export const ADMIN_PASSWORD = "correct horse battery staple";
export const WRONG_PASSWORD = "not the right password";

const AUTH_ENV = [
  "WARDEN_SESSION_IDLE_HOURS",
  "WARDEN_SESSION_MAX_HOURS",
  "WARDEN_LOGIN_MAX_FAILURES",
  "WARDEN_LOGIN_WINDOW_SECONDS",
  "WARDEN_LOGIN_MAX_LOCKOUT_SECONDS",
  "WARDEN_LOGIN_ACCOUNT_CEILING",
  "WARDEN_PUBLIC_URL",
  "WARDEN_AUTH_SECRET",
] as const;

/** Drops the process's better-auth instance and Prisma client so the next use rebuilds them (a "restart"). */
export async function resetAuthGlobals(): Promise<void> {
  const previous = dbSlot.get();
  authSlot.clear();
  dbSlot.clear();
  resetEnvCache();
  resetAuthSettingsForTests();
  resetFastPathForTests();
  await previous?.$disconnect();
}

/**
 * Points DATABASE_URL / WARDEN_DATA_DIR (and the given WARDEN_* settings; the others back to their
 * defaults) at a database and returns the fresh process client that auth() will use too.
 */
export async function pointAuthAt(url: string, dataDir: string, settings: Partial<Record<(typeof AUTH_ENV)[number], string>> = {}): Promise<Db> {
  await resetAuthGlobals();
  process.env.DATABASE_URL = url;
  process.env.WARDEN_DATA_DIR = dataDir;
  for (const name of AUTH_ENV) {
    if (settings[name] === undefined) delete process.env[name];
    else process.env[name] = settings[name];
  }
  return globalDb();
}

/** Empties the authentication tables (users cascade to sessions and accounts). */
export async function clearAuthTables(db: Db): Promise<void> {
  if (dbProvider(db) === "sqlite") {
    for (const table of ["sessions", "accounts", "verifications", "users", "auth_events"]) await db.$executeRawUnsafe(`DELETE FROM "${table}"`);
  } else {
    await db.$executeRawUnsafe(`TRUNCATE "sessions", "accounts", "verifications", "users", "auth_events" RESTART IDENTITY CASCADE`);
  }
}

export interface AuthFixture {
  provider: Provider;
  url: string;
  dataDir: string;
  /** The process client (the one auth() uses). */
  db: Db;
  /** Re-points the process at this database with other WARDEN_* settings (tables are kept). */
  reconfigure(settings: Parameters<typeof pointAuthAt>[2]): Promise<Db>;
}

/**
 * One migrated database per provider and test file (PostgreSQL: warden_test_<random>, dropped after),
 * emptied before every test, with the process's auth pointed at it and default settings. The test file
 * removes the temp directories itself (afterAll(cleanupTempDirs)): the SQLite template is shared.
 */
export function authFixture(provider: Provider, settings: Parameters<typeof pointAuthAt>[2] = {}): () => AuthFixture {
  let url = "";
  let dataDir = "";
  let drop: (() => Promise<void>) | undefined;
  let current: AuthFixture | undefined;
  beforeAll(async () => {
    if (provider === "sqlite") url = await freshSqliteUrl();
    else ({ url, drop } = await freshPostgres());
    dataDir = tempDir("warden-auth-data-");
  });
  beforeEach(async () => {
    const db = await pointAuthAt(url, dataDir, settings);
    await clearAuthTables(db);
    current = {
      provider,
      url,
      dataDir,
      db,
      reconfigure: async (next) => {
        current!.db = await pointAuthAt(url, dataDir, next);
        return current!.db;
      },
    };
  });
  afterAll(async () => {
    await resetAuthGlobals();
    await drop?.();
  });
  return () => current!;
}

/** Request headers as the login route passes them: a client IP (the nearest hop) and a user agent. */
export function requestHeaders({
  ip = "203.0.113.7",
  userAgent = "vitest",
  cookie,
}: { ip?: string | null; userAgent?: string; cookie?: string } = {}): Headers {
  const headers = new Headers({ "user-agent": userAgent });
  if (ip) headers.set("x-forwarded-for", ip);
  if (cookie) headers.set("cookie", cookie);
  return headers;
}

/** The Cookie header a browser would send back for login's Set-Cookie lines. */
export function cookieFrom(setCookies: string[]): string {
  return setCookies.map((c) => c.split(";")[0]!).join("; ");
}

const hashes = new Map<string, Promise<string>>();

/**
 * A hash as rows written before ADR 009 hold it: better-auth 1.7's own scrypt (`<salt hex>:<key hex>`,
 * N=16384, r=16, p=1). Only tests make these now, to check that such rows still sign in and are upgraded.
 */
export const legacyPasswordHash = (password: string): Promise<string> => betterAuthHashPassword(password);

/**
 * The first admin, as createFirstAdmin leaves it (user, credential account, `setup` audit row), with
 * the product's scrypt hash of a password computed once per test file (tests of setup itself call
 * createFirstAdmin). `legacy: true` stores better-auth's old format instead, as an install from before
 * ADR 009 has it.
 */
export async function seedAdmin(db: Db, username = ADMIN, password = ADMIN_PASSWORD, { legacy = false }: { legacy?: boolean } = {}): Promise<void> {
  const cacheKey = `${legacy ? "legacy" : "current"}:${password}`;
  if (!hashes.has(cacheKey)) hashes.set(cacheKey, legacy ? legacyPasswordHash(password) : hashPassword(password));
  const hash = await hashes.get(cacheKey)!;
  const userId = randomUUID();
  const now = new Date();
  await db.user.create({
    data: { id: userId, name: username, email: placeholderEmail(username), username, displayUsername: username, createdAt: now, updatedAt: now },
  });
  await db.account.create({ data: { id: randomUUID(), accountId: userId, providerId: "credential", userId, password: hash, createdAt: now, updatedAt: now } });
  await recordAuthEvent(db, { username, event: "setup", ipAddress: "127.0.0.1", userAgent: "test", detail: "first admin created" });
}

/** Every row of the account tables, in a stable order, as text: equal text = nothing changed. */
export async function accountTables(db: Db): Promise<string> {
  const [users, accounts, sessions, verifications] = await Promise.all([
    db.user.findMany({ orderBy: { id: "asc" } }),
    db.account.findMany({ orderBy: { id: "asc" } }),
    db.session.findMany({ orderBy: { id: "asc" } }),
    db.verification.findMany({ orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify({ users, accounts, sessions, verifications });
}

export async function authEvents(db: Db) {
  return db.authEvent.findMany({ orderBy: { id: "asc" } });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
