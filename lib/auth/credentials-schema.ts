import { z } from "zod";

// Shared by the forms (instant messages) and the server (authoritative checks).
export const PASSWORD_MIN_LENGTH = 12;
// Long enough for any passphrase; bounds the hashing work one request can cause.
export const PASSWORD_MAX_LENGTH = 1024;
export const USERNAME_MAX_LENGTH = 64;
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

export const ZUsername = z
  .string({ error: "Enter a username" })
  .trim()
  .toLowerCase()
  .min(1, "Enter a username")
  .max(USERNAME_MAX_LENGTH, `Username must be at most ${USERNAME_MAX_LENGTH} characters`)
  .regex(USERNAME_PATTERN, "Username may use only letters a–z, digits, dot, dash and underscore, starting with a letter or digit");

export const ZNewPassword = z
  .string({ error: "Enter a password" })
  .min(PASSWORD_MIN_LENGTH, `Password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Password must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const ZSetupInput = z
  .object({
    username: ZUsername,
    password: ZNewPassword,
    confirm: z.string({ error: "Confirm the password" }),
    // The one-time setup token, from the form (the page puts the link's token in a hidden field).
    token: z.string().max(512).optional(),
  })
  .strict()
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The two passwords differ" });

export const ZLoginInput = z
  .object({
    username: z.string({ error: "Enter your username" }).min(1, "Enter your username").max(4096, "Invalid username or password"),
    password: z
      .string({ error: "Enter your password" })
      .min(1, "Enter your password")
      .max(PASSWORD_MAX_LENGTH, `Password must be at most ${PASSWORD_MAX_LENGTH} characters`),
    next: z.string().max(2048).optional(),
  })
  .strict();

export const ZChangePasswordInput = z
  .object({ currentPassword: z.string().min(1, "Enter your current password").max(PASSWORD_MAX_LENGTH), newPassword: ZNewPassword, confirm: z.string() })
  .strict()
  .refine((v) => v.newPassword === v.confirm, { path: ["confirm"], message: "The two passwords differ" })
  .refine((v) => v.newPassword !== v.currentPassword, { path: ["newPassword"], message: "Choose a password different from the current one" });

const PANEL_ORIGIN = "http://warden.invalid";
const FALLBACK_NEXT = "/security";

/**
 * A same-origin path to return to after login; anything else → /security. Normalise, then judge: the
 * URL parser resolves dot segments and drops tabs and newlines, so "/..//evil" or "/\t/evil" become
 * "//evil", a network-path reference a browser follows off-site. The result must be a path that
 * starts with one "/" (not "//" or "/\"), names no login or setup page, and resolves to itself.
 * The path is judged decoded too: "/%2f%2fevil" and "/%5cevil" are refused, in case anything on the
 * way decodes it once.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(next)) return FALLBACK_NEXT;
  let url: URL;
  try {
    url = new URL(next, PANEL_ORIGIN);
  } catch {
    return FALLBACK_NEXT;
  }
  if (url.origin !== PANEL_ORIGIN) return FALLBACK_NEXT;
  const path = url.pathname + url.search + url.hash;
  if (!path.startsWith("/") || path.startsWith("//")) return FALLBACK_NEXT;
  if (new URL(path, PANEL_ORIGIN).href !== url.href) return FALLBACK_NEXT;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return FALLBACK_NEXT;
  }
  if (decoded.startsWith("//") || decoded.includes("\\") || /[\u0000-\u001f\u007f]/.test(decoded)) return FALLBACK_NEXT;
  if (url.pathname.startsWith("/login") || url.pathname.startsWith("/setup")) return FALLBACK_NEXT;
  return path;
}
