"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/client/fetch-json";
import { securityKeys } from "@/lib/client/security-keys";
import type { ScenarioListResponse } from "../security/scenario-facts";
import { DRIFT_POLL_INTERVAL_MS } from "./drift-poll-interval";

/** Rows asked for at once: the route's maximum; beyond it the admin searches. */
export const SCENARIO_LIST_LIMIT = 500;

/**
 * The Scenarios tab's list for the search `q`. Polled at the drift cadence: what is on disk changes
 * without a click here (a hand edit, Apply from another tab), and the banner would otherwise say
 * something the table does not. The previous list stays on screen while a new search loads.
 */
export function useScenarios(q: string) {
  return useQuery({
    queryKey: securityKeys.scenarios(q),
    queryFn: ({ signal }) => {
      const params = new URLSearchParams({ limit: String(SCENARIO_LIST_LIMIT) });
      if (q) params.set("q", q);
      return fetchJson<ScenarioListResponse>(`/api/security/scenarios?${params}`, signal);
    },
    placeholderData: keepPreviousData,
    refetchInterval: DRIFT_POLL_INTERVAL_MS,
    retry: 1,
  });
}
