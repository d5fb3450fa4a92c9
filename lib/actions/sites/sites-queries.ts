import "server-only";
import { db } from "../../db";
import { missingEdgePackage } from "../../engine/edge/instance-dir";
import { edgeSettings } from "../../engine/edge/settings";
import { pageData } from "../page-data";
import { listSites, type SiteRecord } from "../../sites/site-read";
import { upstreamProber, type UpstreamHealth } from "../../sites/upstream-health";

// The Sites page's read query (the page's first paint and GET /api/sites share it).

export interface SitesView {
  sites: SiteRecord[];
  /** Each enabled site's upstream health, by site id (a disabled site has none: nothing probes it). */
  health: Record<number, UpstreamHealth>;
  /** Debian's nginx, its ModSecurity module and the CRS rules are there. */
  edgeInstalled: boolean;
  /** What is missing when they are not ("/usr/sbin/nginx is missing (package nginx)"); null when installed. */
  edgeMissing: string | null;
  /** When the list was read (the page shows stale data as such). */
  readAt: string;
}

export async function sitesView(): Promise<SitesView> {
  const sites = await listSites(db());
  const edgeMissing = missingEdgePackage(edgeSettings());
  return { sites, health: upstreamProber().health(sites), edgeInstalled: edgeMissing === null, edgeMissing, readAt: new Date().toISOString() };
}

/** The Sites page's first paint, or the schema-degraded notice if the schema broke since the guard looked. */
export async function sitesPageData() {
  return pageData(async () => ({ view: await sitesView() }));
}
