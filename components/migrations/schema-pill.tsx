"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { migrationKeys } from "@/lib/client/migration-keys";
import type { HealthBody } from "@/lib/migrations/health";
import { Badge, type BadgeTone } from "../ui/badge";
import { fetchHealth, HEALTH_POLL_INTERVAL_MS } from "../hooks/use-health";

const TONE: Record<HealthBody["status"], BadgeTone> = { healthy: "green", pending: "amber", degraded: "red" };

/**
 * The header's Schema pill, polled from /api/health like the degraded notice (one query): a server
 * verdict rendered into the layout could be a second older than the page's and show green beside a
 * degraded notice. No initialData here, so a page's fresher verdict (the notice's) seeds the query.
 */
export function SchemaPill({ initial }: { initial: Pick<HealthBody, "status" | "summary"> }) {
  const health = useQuery({
    queryKey: migrationKeys.health(),
    queryFn: ({ signal }) => fetchHealth(signal),
    refetchInterval: HEALTH_POLL_INTERVAL_MS,
  });
  const shown = health.data ?? initial;
  return (
    <Link href="/migrations" data-testid="schema-pill" title={shown.summary} className="inline-flex items-center gap-1 text-xs">
      <span className="text-slate-500 dark:text-slate-400">Schema</span>
      <Badge tone={TONE[shown.status]}>{shown.status}</Badge>
    </Link>
  );
}
