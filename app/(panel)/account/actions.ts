"use server";

import { runAction, type ActionResult } from "@/lib/actions/action";
import { changeOwnPassword, logout, revokeOtherSessions, revokeSession } from "@/lib/auth/account";
import { db } from "@/lib/db";

// Account actions stay open to an admin who must change a password (allowPasswordChange).
const ACCOUNT = { allowPasswordChange: true };

export async function changePasswordAction(input: unknown): Promise<ActionResult<{ changed: true }>> {
  return runAction(
    "changePassword",
    async (ctx) => {
      await changeOwnPassword(db(), ctx.admin, input, ctx.headers);
      return { changed: true as const };
    },
    ACCOUNT,
  );
}

export async function revokeSessionAction(sessionId: unknown): Promise<ActionResult<{ revoked: number }>> {
  return runAction("revokeSession", (ctx) => revokeSession(db(), ctx.admin, sessionId, ctx.headers), ACCOUNT);
}

export async function revokeOtherSessionsAction(): Promise<ActionResult<{ revoked: number }>> {
  return runAction("revokeOtherSessions", (ctx) => revokeOtherSessions(db(), ctx.admin, ctx.headers), ACCOUNT);
}

export async function logoutAction(): Promise<ActionResult<{ signedOut: true }>> {
  return runAction(
    "logout",
    async (ctx) => {
      await logout(db(), ctx.admin, ctx.headers);
      return { signedOut: true as const };
    },
    ACCOUNT,
  );
}
