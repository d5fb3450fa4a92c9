"use client";

import { useIsMutating, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { DriftReport } from "@/lib/drift/drift-report";
import { fetchJson } from "@/lib/client/fetch-json";
import { securityKeys } from "@/lib/client/security-keys";
import { DRIFT_SETTLE_WINDOW_MS, driftPollInterval } from "./drift-poll-interval";

/** Per query client (one per browser tab): until when the drift poll runs fast after a change. */
const settleUntil = new WeakMap<QueryClient, number>();

/**
 * The drift detector's snapshot, polled (cadence and why: drift-poll-interval.ts). The banner, the
 * tab dots and the header pill all read this one query. A failed poll keeps the last good snapshot
 * (TanStack keeps `data` on error); readers mark it stale from `isError` and `dataUpdatedAt`.
 */
export function useDrift(initialData?: DriftReport) {
  const queryClient = useQueryClient();
  const changesInFlight = useIsMutating({ mutationKey: securityKeys.mutations() }) > 0;
  return useQuery({
    queryKey: securityKeys.drift(),
    queryFn: ({ signal }) => fetchJson<DriftReport>("/api/security/drift", signal),
    initialData,
    refetchInterval: () => driftPollInterval(changesInFlight, Date.now(), settleUntil.get(queryClient) ?? 0),
    retry: 1,
  });
}

/** After a change on this page: re-read the snapshot now, and poll fast while the detector catches up. */
export function refreshDrift(queryClient: QueryClient): Promise<void> {
  settleUntil.set(queryClient, Date.now() + DRIFT_SETTLE_WINDOW_MS);
  return queryClient.invalidateQueries({ queryKey: securityKeys.drift() });
}
