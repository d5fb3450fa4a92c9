"use server";

import "server-only";
import { logout } from "../../auth/account";
import { db } from "../../db";
import { runAction, type ActionResult } from "../action";
import { parseNoInput } from "../no-input";
import { ACCOUNT } from "./options";

/** Signs this session out (audited). */
export async function logoutAction(input?: unknown): Promise<ActionResult<{ signedOut: true }>> {
  return runAction(
    "logout",
    async (ctx) => {
      parseNoInput(input, "Signing out");
      await logout(db(), ctx.admin, ctx.headers);
      return { signedOut: true as const };
    },
    ACCOUNT,
  );
}
