import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { db } from "../db";
import { log } from "../log";
import { orDegraded, schemaGate, type GateResult } from "../migrations/gate";
import { healthBody, type HealthBody } from "../migrations/health";
import type { Remedy } from "../migrations/report";
import { getAdminSession, type AdminSession } from "./guard";
import { adminExists } from "./first-admin";

/** The schema-degraded notice a page shows instead of itself. */
export type DegradedView = { kind: "degraded"; health: HealthBody; remedies: Remedy[] };
export type PageGuard = { kind: "admin"; admin: AdminSession } | DegradedView;

/**
 * For pages: the admin's session, the schema-degraded notice to show instead of the page, or a
 * redirect. Precedence (ADR 004): schema-degraded > first-run setup > login. An admin who
 * must change a password is held on the Account page. Every page calls it itself: a layout check
 * would not stop a page (rendered in parallel) from loading its data.
 */
export async function guardPage(path: string): Promise<PageGuard> {
  const gate = await schemaGate();
  if (!gate.ok) return degradedView(gate);
  const requestHeaders = await headers();
  const checked = await orDegraded(async () => {
    const session = await getAdminSession(db(), requestHeaders);
    return { session, hasAdmin: session ? true : await adminExists(db()) };
  });
  if (!checked.ok) return degradedView(checked.gate);
  const { session, hasAdmin } = checked.value;
  if (!session) {
    if (!hasAdmin) redirect("/setup");
    redirect(`/login?next=${encodeURIComponent(path)}`);
  }
  if (session.user.mustChangePassword && !path.startsWith("/account")) redirect("/account?required=password");
  return { kind: "admin", admin: session };
}

export function degradedView(gate: GateResult): DegradedView {
  return { kind: "degraded", health: healthBody(gate), remedies: gate.report.remedies };
}

/**
 * For the shell and the reduced /migrations view: the session if there is one, never a redirect. When
 * the schema is degraded the session tables may be missing: that is "no session", logged at WARN.
 */
export async function currentAdmin(): Promise<AdminSession | null> {
  try {
    return await getAdminSession(db(), await headers());
  } catch (error) {
    log.warn({ event: "session_check_failed", reason: (error as Error).message }, "session check failed (schema degraded?): treated as signed out");
    return null;
  }
}
