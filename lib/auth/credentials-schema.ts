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
  .object({ username: ZUsername, password: ZNewPassword, confirm: z.string({ error: "Confirm the password" }) })
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

/** A same-origin path to return to after login; anything else (//evil, https://…, /\evil) → /security. */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || /[\u0000-\u001f]/.test(next)) return "/security";
  try {
    const url = new URL(next, "http://warden.invalid");
    if (url.origin !== "http://warden.invalid") return "/security";
    if (url.pathname.startsWith("/login") || url.pathname.startsWith("/setup")) return "/security";
    return url.pathname + url.search + url.hash;
  } catch {
    return "/security";
  }
}
