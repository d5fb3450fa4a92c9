"use server";

import "server-only";
import { db } from "../../db";
import { addExclusion, removeExclusion, type SiteCommit } from "../../sites/site-store";
import { runAction, type ActionResult } from "../action";

/** "Exclude this rule for this site" ({siteId, ruleId, reason?}): one commit, audited. */
export async function excludeRuleAction(input: unknown): Promise<ActionResult<SiteCommit>> {
  return runAction("excludeRule", (ctx) => addExclusion(db(), input, ctx));
}

/** Applies the rule to the site again ({siteId, ruleId}). */
export async function removeExclusionAction(input: unknown): Promise<ActionResult<SiteCommit>> {
  return runAction("removeExclusion", (ctx) => removeExclusion(db(), input, ctx));
}
