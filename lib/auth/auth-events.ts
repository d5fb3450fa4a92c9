import "server-only";
import type { Db } from "../db";
import { log } from "../log";

export type AuthEventKind =
  | "setup"
  | "setup_refused"
  | "admin_created"
  | "login_succeeded"
  | "login_failed"
  | "login_locked"
  | "logout"
  | "password_changed"
  | "password_reset"
  | "session_revoked";

export interface AuthEventInput {
  username: string;
  event: AuthEventKind;
  ipAddress?: string | null;
  userAgent?: string | null;
  detail?: string | null;
  /** The device id of a valid device cookie for this account (lib/auth/device-cookie.ts), if any. */
  deviceId?: string | null;
  at?: Date;
}

// Stored as given but bounded: a 1 MB "username" must not become a 1 MB audit row.
const clip = (text: string | null | undefined, max: number) => (text == null ? null : text.length > max ? `${text.slice(0, max)}…` : text);

export async function recordAuthEvent(db: Db, e: AuthEventInput): Promise<void> {
  await db.authEvent.create({
    data: {
      at: e.at ?? new Date(),
      username: clip(e.username, 128) ?? "",
      event: e.event,
      ipAddress: clip(e.ipAddress, 64),
      userAgent: clip(e.userAgent, 256),
      detail: clip(e.detail, 512),
      deviceId: clip(e.deviceId, 64),
    },
  });
  const level = e.event === "login_failed" || e.event === "login_locked" || e.event === "setup_refused" ? "warn" : "info";
  log[level](
    { event: `auth_${e.event}`, username: clip(e.username, 128), ip: e.ipAddress ?? null, device: e.deviceId ?? null, detail: e.detail ?? null },
    `auth: ${e.event}`,
  );
}

export async function listAuthEvents(db: Db, limit = 20) {
  return db.authEvent.findMany({ orderBy: [{ at: "desc" }, { id: "desc" }], take: limit });
}
