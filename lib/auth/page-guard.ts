import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { db } from "../db";
import { getAdminSession, type AdminSession } from "./guard";
import { adminExists } from "./setup";

/**
 * For pages: the admin's session, or a redirect. Precedence (shared/DECISIONS.md): first-run setup,
 * then login. An admin who must change a password is held on the Account page.
 * Every page calls it itself: a layout check would not stop the page (rendered in parallel) from
 * loading its data.
 */
export async function requirePageAdmin(path: string): Promise<AdminSession> {
  const session = await getAdminSession(db(), await headers());
  if (!session) {
    if (!(await adminExists(db()))) redirect("/setup");
    redirect(`/login?next=${encodeURIComponent(path)}`);
  }
  if (session.user.mustChangePassword && !path.startsWith("/account")) redirect("/account?required=password");
  return session;
}

/** For the shell around pages: the session if there is one, never a redirect. */
export async function currentAdmin(): Promise<AdminSession | null> {
  return getAdminSession(db(), await headers());
}
