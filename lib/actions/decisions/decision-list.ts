import "server-only";
import { db } from "../../db";
import { listDecisions, parseDecisionQuery } from "../../decisions/decision-queries";
import { DEFAULT_DECISION_PARAMS, type DecisionListParams, type DecisionListView } from "../../decisions/decision-types";
import { pageData } from "../page-data";

// The Decisions page's read query (its first paint and GET /api/decisions share it): one page of the
// active decisions the leader persisted from LAPI, with the whole set's counts and the last sync.

export async function decisionListView(params: Record<string, string | string[] | undefined>): Promise<DecisionListView> {
  return listDecisions(db(), params);
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
