import { env } from "../env";

// Authentication settings, from the one environment schema (lib/env.ts), validated at boot by
// instrumentation.ts so a bad value stops the process with the variable's name.

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
  const e = env();
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
