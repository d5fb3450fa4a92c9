"use client";

import { useQuery } from "@tanstack/react-query";
import { migrationKeys } from "@/lib/client/migration-keys";
import { fetchHealth, HEALTH_POLL_INTERVAL_MS } from "../hooks/use-health";
import { useSecurityStatus } from "../hooks/use-security-status";
import { StatusPill } from "../ui/status-pill";
import { enginePill } from "./header-pills";

/** The header's Engine pill: CrowdSec's observed runtime state, from the security status query. */
export function EnginePill() {
  const status = useSecurityStatus();
  // The Schema pill's query (one request for both): while degraded the status route answers 503.
  const health = useQuery({ queryKey: migrationKeys.health(), queryFn: ({ signal }) => fetchHealth(signal), refetchInterval: HEALTH_POLL_INTERVAL_MS });
  const degraded = health.data !== undefined && health.data.status !== "healthy";
  const pill = enginePill(status.data?.runtime.crowdsec, status.isError ? status.error.message : null, degraded);
  return <StatusPill href="/security" testId="engine-pill" label="Engine" {...pill} />;
}
