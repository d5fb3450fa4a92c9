import "server-only";
import { db } from "../../db";
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
