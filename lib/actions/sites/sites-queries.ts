import "server-only";
import { db } from "../../db";
import { pageData } from "../page-data";
import { listSites, type SiteRecord } from "../../sites/site-read";

// The Sites page's read query (the page's first paint and GET /api/sites share it).

export interface SitesView {
  sites: SiteRecord[];
  /** When the list was read (the page shows stale data as such). */
  readAt: string;
}

export async function sitesView(): Promise<SitesView> {
  return { sites: await listSites(db()), readAt: new Date().toISOString() };
}

/** The Sites page's first paint, or the schema-degraded notice if the schema broke since the guard looked. */
export async function sitesPageData() {
  return pageData(async () => ({ view: await sitesView() }));
}
