import "server-only";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { authSecret } from "./secret";
import { authSettings } from "./auth-settings";

// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
// signed in to an account successfully gets a long-lived cookie naming that account and a random
// device id, signed with the auth secret. Presented again, it marks the client as one the account
// knows: the sign-in throttle (lib/auth/lockout.ts) then limits it per (account, device) instead of
// per (account, address) and the per-account ceiling, so an attacker failing from other addresses
// cannot keep the admin's browser out. It grants nothing else: no session, no access.
//
// Value: v1.<base64url(username)>.<device id>.<base64url HMAC-SHA256(secret, purpose, username, id)>.
// The username is inside the MAC, so a cookie cannot be moved to another account; without the secret
// none can be made.

const VERSION = "v1";
const PURPOSE = "warden device cookie";
/** How long a browser keeps its device cookie (refreshed at every successful sign-in). */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 86_400;
// A real value is ~100 characters; anything much longer is not ours and is not parsed.
const MAX_VALUE_LENGTH = 512;
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;

/** `__Secure-` when cookies are Secure (an https public URL), like the session cookie. */
export function deviceCookieName(): string {
  return `${authSettings().secureCookies ? "__Secure-" : ""}warden.device`;
}

/** A fresh device id: 128 random bits. */
export function newDeviceId(): string {
  return randomBytes(16).toString("base64url");
}

function mac(username: string, deviceId: string): Buffer {
  return createHmac("sha256", authSecret()).update(`${PURPOSE}\0${VERSION}\0${username}\0${deviceId}`).digest();
}

export function deviceCookieValue(username: string, deviceId: string): string {
  return `${VERSION}.${Buffer.from(username, "utf8").toString("base64url")}.${deviceId}.${mac(username, deviceId).toString("base64url")}`;
}

/** The Set-Cookie line that gives (or renews) this browser's device cookie for `username`. */
export function deviceSetCookie(username: string, deviceId: string): string {
  const attributes = [
    `${deviceCookieName()}=${deviceCookieValue(username, deviceId)}`,
    `Max-Age=${DEVICE_COOKIE_MAX_AGE_SECONDS}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (authSettings().secureCookies) attributes.push("Secure");
  return attributes.join("; ");
}

export type DeviceCheck =
  | { kind: "none" }
  | { kind: "valid"; deviceId: string }
  /** Present but not a device cookie of this account: it is ignored (the client is untrusted). */
  | { kind: "invalid"; reason: "malformed" | "bad_signature" | "other_account" };

/** The values of every cookie called `name` in a Cookie header. */
function cookieValues(header: string | null, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    values.push(part.slice(eq + 1).trim());
  }
  return values;
}

function check(value: string, username: string): DeviceCheck {
  if (value.length > MAX_VALUE_LENGTH) return { kind: "invalid", reason: "malformed" };
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION || !DEVICE_ID.test(parts[2]!)) return { kind: "invalid", reason: "malformed" };
  const [, encodedName, deviceId, signature] = parts as [string, string, string, string];
  const named = Buffer.from(encodedName, "base64url").toString("utf8");
  const given = Buffer.from(signature, "base64url");
  const expected = mac(named, deviceId);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: "invalid", reason: "bad_signature" };
  // Genuine, but issued when another account signed in on this browser.
  if (named !== username) return { kind: "invalid", reason: "other_account" };
  return { kind: "valid", deviceId };
}

/**
 * Whether the request carries a valid device cookie for `username` (lower-cased, as stored). With
 * several cookies of that name, one valid for this account is enough.
 */
export function readDeviceCookie(headers: Headers, username: string): DeviceCheck {
  const values = cookieValues(headers.get("cookie"), deviceCookieName());
  if (values.length === 0) return { kind: "none" };
  let first: DeviceCheck | undefined;
  for (const value of values) {
    const result = check(value, username);
    if (result.kind === "valid") return result;
    first ??= result;
  }
  return first!;
}
