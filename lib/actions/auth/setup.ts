"use server";

import "server-only";
import { auth } from "../../auth/auth";
import { clientIp, userAgent } from "../../auth/client-info";
import { createFirstAdmin } from "../../auth/first-admin";
import { db } from "../../db";
import { log } from "../../log";
import { runOpenAction, type ActionResult } from "../action";

/**
 * First-run setup: open without a session, but only with the setup token and while no admin exists
 * (createFirstAdmin parses the input with zod and refuses afterwards). The new admin is signed in.
 */
export async function setupAction(input: unknown): Promise<ActionResult<{ username: string; signedIn: boolean }>> {
  return runOpenAction("setup", async ({ headers }) => {
    const created = await createFirstAdmin(db(), input, { ip: clientIp(headers), userAgent: userAgent(headers) });
    // Sign the new admin in (the library sets the session cookie on this response). The admin exists
    // whatever happens here: a failed sign-in sends them to the login page, never "nothing was changed".
    try {
      const { password } = input as { password: string };
      await auth().api.signInUsername({ body: { username: created.username, password }, headers });
      return { ...created, signedIn: true };
    } catch (error) {
      log.error({ event: "setup_sign_in_failed", username: created.username, err: error }, "first admin created, but signing in failed");
      return { ...created, signedIn: false };
    }
  });
}
