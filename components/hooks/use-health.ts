"use client";

import { useQuery } from "@tanstack/react-query";
import { migrationKeys } from "@/lib/client/migration-keys";
import type { HealthBody } from "@/lib/migrations/health";

// The degraded notice and the reduced /migrations view poll the open health endpoint: they must work
// when sessions cannot (auth tables missing, database down).
export const HEALTH_POLL_INTERVAL_MS = 3_000;

export async function fetchHealth(signal: AbortSignal): Promise<HealthBody> {
  const response = await fetch("/api/health", { signal, cache: "no-store" });
  // 503 is an answer (degraded), not a failure.
  if (response.status !== 200 && response.status !== 503) throw new Error(`/api/health answered HTTP ${response.status}`);
  return (await response.json()) as HealthBody;
}

export function useHealth(initialData?: HealthBody) {
  return useQuery({
    queryKey: migrationKeys.health(),
    queryFn: ({ signal }) => fetchHealth(signal),
    initialData,
    // Whatever another component cached before, look again when the notice appears.
    refetchOnMount: "always",
    refetchInterval: HEALTH_POLL_INTERVAL_MS,
  });
}
