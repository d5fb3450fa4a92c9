import "server-only";
import { randomUUID } from "node:crypto";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { username } from "better-auth/plugins";
import { db, dbProvider } from "../db";
import { log } from "../log";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH, USERNAME_PATTERN } from "./credentials-schema";
import { hashPassword, verifyPassword } from "./password-hash";
import { authSecret } from "./secret";
import { authSettings } from "./auth-settings";
import { processSlot } from "../process-registry";

/** Seconds between two refreshes of a session's sliding expiry (the library's `updateAge`). */
export function sessionUpdateAgeSeconds(): number {
  return Math.min(300, Math.floor(authSettings().idleSeconds / 2));
}

/** The session cookie's name: the library adds `__Secure-` when cookies are Secure. */
export function sessionCookieName(): string {
  return `${authSettings().secureCookies ? "__Secure-" : ""}warden.session_token`;
}

function createAuth() {
  const settings = authSettings();
  const client = db();
  return betterAuth({
    appName: "Warden",
    baseURL: settings.publicUrl,
    secret: authSecret(),
    database: prismaAdapter(client, { provider: dbProvider(client) === "sqlite" ? "sqlite" : "postgresql" }),
    // Only server code calls auth.api: Warden mounts no catch-all auth handler, so sign-up, OAuth and
    // the other endpoints of the library are not reachable over HTTP.
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      revokeSessionsOnPasswordReset: true,
      // Warden's scrypt (ADR 009): OWASP's parameters in a self-describing format, bounded concurrency.
      // The library calls it for sign-in (and for an unknown user's dummy hash) and password changes.
      password: { hash: hashPassword, verify: verifyPassword },
    },
    session: {
      // Sliding expiry = idle expiry: every use after `updateAge` moves expiresAt to now + idle.
      expiresIn: settings.idleSeconds,
      updateAge: sessionUpdateAgeSeconds(),
      // No cookie cache: a revoked session must stop working at once.
      cookieCache: { enabled: false },
    },
    user: {
      additionalFields: {
        mustChangePassword: { type: "boolean", required: false, defaultValue: false, input: false },
      },
    },
    // Warden's own lockout (lib/auth/lockout.ts) counts per account and per IP in the database.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // The library's own messages ("Invalid password", "User not found") duplicate Warden's auth events;
    // errors still reach the log.
    logger: {
      level: "error",
      log: (level, message, ...args) => log[level]({ event: "better_auth", args }, message),
    },
    advanced: {
      cookiePrefix: "warden",
      useSecureCookies: settings.secureCookies,
      database: { generateId: () => randomUUID() },
      // Sessions record the client's full address (the default masks IPv6 to its /64).
      ipAddress: { ipv6Subnet: 128 },
    },
    plugins: [
      // Warden's own username rule (setup and reset-password use it): the library's default validator
      // refuses "-", so an admin created as "ops-admin" could never sign in.
      username({ minUsernameLength: 1, maxUsernameLength: USERNAME_MAX_LENGTH, usernameValidator: (name) => USERNAME_PATTERN.test(name) }),
      nextCookies(),
    ],
  });
}

export type WardenAuth = ReturnType<typeof createAuth>;

/** Holds the process's better-auth instance (tests clear it to "restart"). */
export const authSlot = processSlot<WardenAuth>("auth");

export function auth(): WardenAuth {
  return authSlot.getOrCreate(createAuth);
}
