"use server";

import { runOpenAction, type ActionResult } from "@/lib/actions/action";
import { auth } from "@/lib/auth/auth";
import { clientIp, userAgent } from "@/lib/auth/client-info";
import { createFirstAdmin } from "@/lib/auth/setup";
import { db } from "@/lib/db";

/** Open without a session, but only while no admin exists (createFirstAdmin refuses afterwards). */
export async function setupAction(input: unknown): Promise<ActionResult<{ username: string }>> {
  return runOpenAction("setup", async ({ headers }) => {
    const created = await createFirstAdmin(db(), input, { ip: clientIp(headers), userAgent: userAgent(headers) });
    // Sign the new admin in (the library sets the session cookie on this response).
    const { password } = input as { password: string };
    await auth().api.signInUsername({ body: { username: created.username, password }, headers });
    return created;
  });
}
