"use server";

import "server-only";
import { z } from "zod";
import { db } from "../../db";
import { runningDetector } from "../../drift/running-detector";
import { engine } from "../../engine/engine";
import type { VerifyRecord } from "../../engine/edge/verifier";
import { MalformedRequestError, NotFoundError } from "../../errors";
import { readSite } from "../../sites/site-read";
import { runAction, type ActionResult } from "../action";

const ZVerify = z
  .object({ siteId: z.number({ error: "siteId must be a number" }).int().min(1).max(2_147_483_647).optional() })
  .strict()
  .optional();

/**
 * "Verify protection" ({} for every enabled site, {siteId} for one): probes through the edge now and
 * answers what the edge did; audited with the admin as actor. The edge surface's drift follows.
 */
export async function verifyProtectionAction(input?: unknown): Promise<ActionResult<VerifyRecord>> {
  return runAction("verifyProtection", async (ctx) => {
    const parsed = ZVerify.safeParse(input);
    if (!parsed.success) throw new MalformedRequestError(parsed.error.issues[0]?.message ?? "The request is malformed");
    const siteId = parsed.data?.siteId;
    if (siteId !== undefined && !(await readSite(db(), siteId)))
      throw new NotFoundError(`Site ${siteId} does not exist (it may have been removed); reload the page`);
    const run = await engine().verifier.run("manual", { actor: ctx.actor, siteIds: siteId === undefined ? undefined : [String(siteId)] });
    await runningDetector()?.request(["edge"]);
    return run;
  });
}
