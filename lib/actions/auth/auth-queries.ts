import "server-only";
import type { AdminSession } from "../../auth/guard";
import { degradedView, type DegradedView } from "../../auth/page-guard";
import { listSessions } from "../../auth/account";
import { listAuthEvents } from "../../auth/auth-events";
import { adminExists } from "../../auth/first-admin";
import { ensureSetupToken, setupTokenValid } from "../../auth/setup-token";
import { db } from "../../db";
import { schemaGate } from "../../migrations/gate";
import { sessionsUsable } from "../../migrations/health";
import { pageData } from "../page-data";

// The auth area's read queries, for the sign-in, first-run setup and account pages.

export function hasAdmin(): Promise<boolean> {
  return adminExists(db());
}

/**
 * The sign-in page. Precedence: schema-degraded > first-run setup > sign-in. While degraded, sign-in
 * stays open if the account tables are intact (`schemaHealthy: false`: it leads to the migration report).
 */
export async function signInPageState(): Promise<DegradedView | { kind: "no-admin" } | { kind: "sign-in"; schemaHealthy: boolean }> {
  const gate = await schemaGate();
  if (!gate.ok && !sessionsUsable(gate)) return degradedView(gate);
  if (!(await adminExists(db()))) return { kind: "no-admin" };
  return { kind: "sign-in", schemaHealthy: gate.ok };
}

/** The first-run setup page for the token the link carries (`null`: none). */
export async function setupPageState(token: string | null): Promise<DegradedView | { kind: "admin-exists" } | { kind: "needs-token" } | { kind: "open" }> {
  const gate = await schemaGate();
  if (!gate.ok) return degradedView(gate);
  if (await adminExists(db())) return { kind: "admin-exists" };
  if (!(await setupTokenValid(db(), token))) {
    // The schema may have become healthy after boot, before any token existed: make (and print) one.
    if (token === null) await ensureSetupToken(db());
    return { kind: "needs-token" };
  }
  return { kind: "open" };
}

/** The account page: the admin's sessions and the recent sign-in activity. */
export function accountPageData(admin: AdminSession) {
  return pageData(async () => {
    const [sessions, events] = await Promise.all([listSessions(db(), admin), listAuthEvents(db(), 15)]);
    return { sessions, events };
  });
}
