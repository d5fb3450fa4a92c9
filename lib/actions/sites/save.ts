"use server";

import "server-only";
import { db } from "../../db";
import { createSite, removeSite, updateSite, type SiteCommit } from "../../sites/site-store";
import { runAction, type ActionResult } from "../action";

// Adding, changing and removing a site. The input is parsed against the sites grammar by the store
// before anything is written (a malformed request writes nothing); each accepted change is one commit.

export async function createSiteAction(input: unknown): Promise<ActionResult<SiteCommit>> {
  return runAction("createSite", (ctx) => createSite(db(), input, ctx));
}

export async function updateSiteAction(input: unknown): Promise<ActionResult<SiteCommit>> {
  return runAction("updateSite", (ctx) => updateSite(db(), input, ctx));
}

export async function removeSiteAction(input: unknown): Promise<ActionResult<SiteCommit>> {
  return runAction("removeSite", (ctx) => removeSite(db(), input, ctx));
}
