"use server";

import "server-only";
import { changeOwnPassword } from "../../auth/account";
import { db } from "../../db";
import { runAction, type ActionResult } from "../action";
import { ACCOUNT } from "./options";

/** The signed-in admin's own password ({currentPassword, newPassword}, parsed with zod); other sessions end. */
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
