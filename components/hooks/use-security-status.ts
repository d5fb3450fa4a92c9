"use client";

import { useIsMutating, useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/client/fetch-json";
import { securityKeys } from "@/lib/client/security-keys";
import type { SecurityStatus } from "@/lib/actions/security/security-queries";
import { statusPollInterval } from "./status-poll-interval";

/**
 * The security status, polled: the runtime changes without anyone clicking (an agent dies, another
 * admin acts). Faster while a toggle or save of this page is in flight or a runtime is moving.
 */
export function useSecurityStatus(initialData?: SecurityStatus) {
  const changesInFlight = useIsMutating({ mutationKey: securityKeys.mutations() }) > 0;
  return useQuery({
    queryKey: securityKeys.status(),
    queryFn: ({ signal }) => fetchJson<SecurityStatus>("/api/security/status", signal),
    initialData,
    initialDataUpdatedAt: initialData ? Date.parse(initialData.checkedAt) : undefined,
    refetchInterval: (query) => statusPollInterval(query.state.data, changesInFlight),
    // Keep the last good data on a failed poll; the page marks it stale.
    retry: 1,
  });
}
