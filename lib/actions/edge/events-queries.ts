import "server-only";
import { db } from "../../db";
import { readWafEvents, WAF_EVENTS_KEPT } from "../../engine/edge/events-feed";
import { missingEdgePackage } from "../../engine/edge/instance-dir";
import { edgeSettings } from "../../engine/edge/settings";
import { listSites } from "../../sites/site-read";
import { pageData } from "../page-data";
import { eventMatcher, parseEventFilter, type EventFilter } from "./event-filter";
import { toEventRow, type WafEventRow } from "./event-sites";

// The Events page's read query (its first paint and GET /api/edge/events share it): the WAF events the
// edge logged, newest first, each with the site it belongs to and what excluding a rule would do.

export interface WafEventsView {
  /** Newest first, at most the filter's limit. */
  events: WafEventRow[];
  /** Events kept that pass the filter (more than `events` holds when over the limit). */
  matched: number;
  /** Events kept in memory, and the bound. */
  kept: number;
  keep: number;
  /** The sites, for the site filter. */
  sites: { id: number; name: string }[];
  /** Why the edge cannot run (a missing package), or null when it is installed. */
  edgeMissing: string | null;
  auditLog: string;
  /** Why the last read of the audit log failed, or null. */
  readError: string | null;
  readAt: string;
}

export async function wafEventsView(params: Record<string, string | string[] | undefined>): Promise<WafEventsView> {
  return eventsFor(parseEventFilter(params));
}

async function eventsFor(filter: EventFilter): Promise<WafEventsView> {
  const settings = edgeSettings();
  const sites = await listSites(db());
  const feed = readWafEvents(settings);
  const matches = eventMatcher(filter, sites);
  const rows = feed.events.map((event) => toEventRow(event, sites)).filter(matches);
  return {
    events: rows.slice(0, filter.limit),
    matched: rows.length,
    kept: feed.events.length,
    keep: WAF_EVENTS_KEPT,
    sites: sites.map((s) => ({ id: s.id, name: s.hosts[0] ?? `site ${s.id}` })),
    edgeMissing: missingEdgePackage(settings),
    auditLog: feed.auditLog,
    readError: feed.readError,
    readAt: new Date().toISOString(),
  };
}

/**
 * The Events page's first paint for the URL's filters (a malformed one shows every event, and the
 * filter fields stay empty), or the schema-degraded notice if the schema broke since the guard looked.
 */
export async function eventsPageData(params: Record<string, string | string[] | undefined>) {
  let filter: EventFilter;
  try {
    filter = parseEventFilter(params);
  } catch {
    filter = parseEventFilter({});
  }
  return pageData(async () => ({ view: await eventsFor(filter), filter: filterParams(filter) }));
}

/** A filter as the page's fields and the API's query string hold it. */
export interface EventFilterParams {
  site: string;
  action: string;
  rule: string;
  requestId: string;
}

function filterParams(filter: EventFilter): EventFilterParams {
  const site = filter.site === undefined ? "" : filter.site.kind === "id" ? String(filter.site.id) : filter.site.host;
  return { site, action: filter.action ?? "", rule: filter.rule === undefined ? "" : String(filter.rule), requestId: filter.requestId ?? "" };
}
