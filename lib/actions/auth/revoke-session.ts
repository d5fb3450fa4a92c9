"use server";

import "server-only";
import { revokeOtherSessions, revokeSession } from "../../auth/account";
import { db } from "../../db";
import { runAction, type ActionResult } from "../action";
import { parseNoInput } from "../no-input";
import { ACCOUNT } from "./options";

/** Ends one of the admin's sessions (the id is parsed with zod against the admin's own sessions). */
export async function revokeSessionAction(sessionId: unknown): Promise<ActionResult<{ revoked: number }>> {
  return runAction("revokeSession", (ctx) => revokeSession(db(), ctx.admin, sessionId, ctx.headers), ACCOUNT);
}

/** Ends every session of the admin but this one. */
export async function revokeOtherSessionsAction(input?: unknown): Promise<ActionResult<{ revoked: number }>> {
  return runAction(
    "revokeOtherSessions",
    async (ctx) => {
      parseNoInput(input, "Signing out other sessions");
      return revokeOtherSessions(db(), ctx.admin, ctx.headers);
    },
    ACCOUNT,
  );
}
