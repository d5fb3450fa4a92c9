import { z } from "zod";
import { parseEnvironment } from "../env";

// Authentication settings, from the environment once (fail fast with the variable's name).
const ZAuthEnv = z.object({
  WARDEN_SESSION_IDLE_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  WARDEN_SESSION_MAX_HOURS: z.coerce.number().positive().max(24 * 90).default(24),
  WARDEN_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  WARDEN_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // The longest lock of one (account, address) pair or device: the lock doubles at every further
  // WARDEN_LOGIN_MAX_FAILURES failures, up to this.
  WARDEN_LOGIN_MAX_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(7 * 86_400).default(3600),
  // Failed sign-ins per account per hour, across all addresses, after which clients the account does
  // not know (no device cookie, no earlier sign-in from their address) are refused for that account.
  WARDEN_LOGIN_ACCOUNT_CEILING: z.coerce.number().int().min(1).max(1_000_000).default(100),
  // The URL admins use; an https:// URL turns on Secure cookies.
  WARDEN_PUBLIC_URL: z.string().url().optional(),
  WARDEN_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
});

export interface AuthSettings {
  idleSeconds: number;
  maxAgeSeconds: number;
  maxFailures: number;
  windowSeconds: number;
  maxLockoutSeconds: number;
  accountCeiling: number;
  publicUrl: string | undefined;
  secureCookies: boolean;
  secret: string | undefined;
}

let cached: AuthSettings | undefined;

export function authSettings(): AuthSettings {
  if (cached) return cached;
  const e = parseEnvironment(ZAuthEnv);
  cached = {
    idleSeconds: Math.round(e.WARDEN_SESSION_IDLE_HOURS * 3600),
    maxAgeSeconds: Math.round(e.WARDEN_SESSION_MAX_HOURS * 3600),
    maxFailures: e.WARDEN_LOGIN_MAX_FAILURES,
    windowSeconds: e.WARDEN_LOGIN_WINDOW_SECONDS,
    maxLockoutSeconds: e.WARDEN_LOGIN_MAX_LOCKOUT_SECONDS,
    accountCeiling: e.WARDEN_LOGIN_ACCOUNT_CEILING,
    publicUrl: e.WARDEN_PUBLIC_URL,
    secureCookies: e.WARDEN_PUBLIC_URL?.startsWith("https://") ?? false,
    secret: e.WARDEN_AUTH_SECRET,
  };
  return cached;
}

export function resetAuthSettingsForTests(): void {
  cached = undefined;
}
