"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/client/fetch-json";
import { securityKeys } from "@/lib/client/security-keys";
import type { SecurityStatus } from "@/lib/security/status";

// The runtime can change without anyone clicking (an agent dies, another admin acts): poll so the
// card never shows a state older than a few seconds. 5 s keeps one tab's load negligible.
export const STATUS_POLL_INTERVAL_MS = 5_000;

export function useSecurityStatus(initialData?: SecurityStatus) {
  return useQuery({
    queryKey: securityKeys.status(),
    queryFn: ({ signal }) => fetchJson<SecurityStatus>("/api/security/status", signal),
    initialData,
    initialDataUpdatedAt: initialData ? Date.parse(initialData.checkedAt) : undefined,
    refetchInterval: STATUS_POLL_INTERVAL_MS,
    // Keep the last good data on a failed poll; the page marks it stale.
    retry: 1,
  });
}
