import { z } from "zod";
import { parseEnvironment } from "../env";

// Authentication settings, from the environment once (fail fast with the variable's name).
const ZAuthEnv = z.object({
  WARDEN_SESSION_IDLE_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  WARDEN_SESSION_MAX_HOURS: z.coerce.number().positive().max(24 * 90).default(24),
  WARDEN_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  WARDEN_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // The URL admins use; an https:// URL turns on Secure cookies.
  WARDEN_PUBLIC_URL: z.string().url().optional(),
  WARDEN_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
});

export interface AuthSettings {
  idleSeconds: number;
  maxAgeSeconds: number;
  maxFailures: number;
  windowSeconds: number;
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
    publicUrl: e.WARDEN_PUBLIC_URL,
    secureCookies: e.WARDEN_PUBLIC_URL?.startsWith("https://") ?? false,
    secret: e.WARDEN_AUTH_SECRET,
  };
  return cached;
}

export function resetAuthSettingsForTests(): void {
  cached = undefined;
}
