"use server";

import "server-only";
import { db } from "../../db";
import { engine } from "../../engine/engine";
import { createSite, removeSite, updateSite } from "../../sites/site-store";
import { runAction, type ActionResult } from "../action";
import { changeSiteAndApply, type SiteChange } from "./apply-site";

// Adding, changing and removing a site. The input is parsed against the sites grammar by the store
// before anything is written (a malformed request writes nothing); each accepted change is one commit,
// applied to the edge before the action answers (a change the edge refuses is rolled back).

export async function createSiteAction(input: unknown): Promise<ActionResult<SiteChange>> {
  return runAction("createSite", (ctx) => changeSiteAndApply(engine(), db(), createSite, input, ctx));
}

export async function updateSiteAction(input: unknown): Promise<ActionResult<SiteChange>> {
  return runAction("updateSite", (ctx) => changeSiteAndApply(engine(), db(), updateSite, input, ctx));
}

export async function removeSiteAction(input: unknown): Promise<ActionResult<SiteChange>> {
  return runAction("removeSite", (ctx) => changeSiteAndApply(engine(), db(), removeSite, input, ctx));
}
