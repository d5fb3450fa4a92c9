import "server-only";
import { db } from "../../db";
import { listDecisions, parseDecisionQuery } from "../../decisions/decision-queries";
import { readBlocklistState } from "../../decisions/decision-store";
import { DEFAULT_DECISION_PARAMS, type DecisionListParams, type DecisionListView } from "../../decisions/decision-types";
import { pageData } from "../page-data";

// The Decisions page's read query (its first paint and GET /api/decisions share it): one page of the
// active decisions the leader persisted from LAPI, with the whole set's counts and the last sync.

/**
 * Answers computed for a query, while the stored set is the one they were computed from (the state
 * row's updated_at changes with every write of the set) and for at most a second (decisions expire).
 * The page polls every 2 s with the same query; a search over 10,000 rows costs ~15 ms on SQLite,
 * the version check one primary-key read.
 */
const CACHE_MS = 1_000;
const CACHE_ENTRIES = 200;
const cache = new Map<string, { version: string; at: number; view: DecisionListView }>();

export async function decisionListView(params: Record<string, string | string[] | undefined>, now = new Date()): Promise<DecisionListView> {
  const query = parseDecisionQuery(params);
  const key = JSON.stringify(query);
  const version = (await readBlocklistState(db())).updatedAt?.toISOString() ?? "never";
  const hit = cache.get(key);
  if (hit && hit.version === version && now.getTime() - hit.at < CACHE_MS) {
    const rows = hit.view.rows.map((r) => ({ ...r, timeLeftSeconds: Math.max(0, Math.ceil((Date.parse(r.expiresAt) - now.getTime()) / 1000)) }));
    return { ...hit.view, rows, readAt: now.toISOString() };
  }
  const view = await listDecisions(db(), query, now);
  cache.delete(key);
  cache.set(key, { version, at: now.getTime(), view });
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return view;
}

/**
 * The Decisions page's first paint for the URL's filters (a malformed one shows the unfiltered first
 * page, and the fields stay empty), or the schema-degraded notice if the schema broke since the guard looked.
 */
export async function decisionsPageData(params: Record<string, string | string[] | undefined>) {
  let query: DecisionListParams;
  try {
    const parsed = parseDecisionQuery(params);
    query = {
      q: parsed.q ?? "",
      origin: (parsed.origin ?? "") as DecisionListParams["origin"],
      type: parsed.type ?? "",
      enforced: parsed.enforced ?? "",
      page: parsed.page,
      pageSize: parsed.pageSize,
      sort: parsed.sort,
    };
  } catch {
    query = DEFAULT_DECISION_PARAMS;
  }
  return pageData(async () => {
    const view = await listDecisions(db(), query);
    return { view, query: { ...query, page: view.page } };
  });
}
