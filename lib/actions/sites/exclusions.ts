"use server";

import "server-only";
import { db } from "../../db";
import { engine } from "../../engine/engine";
import { addExclusion, removeExclusion } from "../../sites/site-store";
import { runAction, type ActionResult } from "../action";
import { changeSiteAndApply, type SiteChange } from "./apply-site";

/** "Exclude this rule for this site" ({siteId, ruleId, reason?}): one commit, audited, applied to the edge. */
export async function excludeRuleAction(input: unknown): Promise<ActionResult<SiteChange>> {
  return runAction("excludeRule", (ctx) => changeSiteAndApply(engine(), db(), addExclusion, input, ctx));
}

/** Applies the rule to the site again ({siteId, ruleId}). */
export async function removeExclusionAction(input: unknown): Promise<ActionResult<SiteChange>> {
  return runAction("removeExclusion", (ctx) => changeSiteAndApply(engine(), db(), removeExclusion, input, ctx));
}
