"use client";

import type { SiteRecord } from "@/lib/sites/site-read";
import type { UpstreamHealth } from "@/lib/sites/upstream-health";
import { Badge } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";

// A site's upstream health, beside its upstream: what the last probe saw at this address. It is the
// site's health (the upstream behind the edge is down), never drift: the edge serves what was asked.

export function formatLatency(ms: number | null): string {
  if (ms === null) return "";
  return ms < 1 ? "<1 ms" : `${Math.round(ms)} ms`;
}

export function UpstreamStatus({ site, health }: { site: SiteRecord; health: UpstreamHealth | undefined }) {
  if (!site.enabled) {
    return (
      <span data-testid="upstream-health" data-state="disabled">
        <Badge tone="grey">disabled: not probed</Badge>
      </span>
    );
  }
  // A result about another address (the upstream was just changed) says nothing about this one.
  if (!health || health.state === "unknown" || health.upstream !== site.upstream || health.checkedAt === null) {
    return (
      <span data-testid="upstream-health" data-state="unknown">
        <Badge tone="grey">not checked yet</Badge>
      </span>
    );
  }
  if (health.state === "reachable") {
    return (
      <span data-testid="upstream-health" data-state="reachable" className="inline-flex flex-wrap items-center gap-1">
        <Badge tone="green">reachable · {formatLatency(health.latencyMs)}</Badge>{" "}
        <span className="text-xs text-slate-500 dark:text-slate-400">
          checked <RelativeTime iso={health.checkedAt} />
        </span>
      </span>
    );
  }
  return (
    <span data-testid="upstream-health" data-state="unreachable" className="inline-flex flex-wrap items-center gap-1">
      <Badge tone="red">unreachable: {health.error}</Badge>{" "}
      <span className="text-xs text-slate-600 dark:text-slate-300">
        (checked <RelativeTime iso={health.checkedAt} />)
      </span>
    </span>
  );
}
