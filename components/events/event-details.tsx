"use client";

import type { WafEventRow, WafEventRule } from "@/lib/actions/edge/event-sites";
import { Badge } from "../ui/badge";

// One event opened: the full request line and every rule it matched with its messages and, per rule,
// "Exclude this rule for this site" (or why it is not offered).

export interface ExcludeState {
  /** `${requestId}:${ruleId}` of the exclusion in flight, or null. */
  pending: string | null;
  /** The last refusal, shown beside the rule it was for. */
  error: { key: string; message: string } | null;
}

export const excludeKey = (event: WafEventRow, ruleId: number) => `${event.requestId}:${ruleId}`;

function RuleExclusion({
  event,
  rule,
  state,
  onExclude,
}: {
  event: WafEventRow;
  rule: WafEventRule;
  state: ExcludeState;
  onExclude: (event: WafEventRow, ruleId: number) => void;
}) {
  const site = event.site;
  if (rule.exclusion === "excluded")
    return (
      <span className="text-xs text-slate-600 dark:text-slate-300">
        <Badge tone="grey">excluded</Badge> for {site?.name}
      </span>
    );
  if (rule.exclusion === "score")
    return <span className="text-xs text-slate-600 dark:text-slate-300">Anomaly score verdict: exclude the rules that added to the score instead.</span>;
  if (rule.exclusion === "no-site" || !site)
    return <span className="text-xs text-slate-600 dark:text-slate-300">No site serves {event.host || "this host"}: nothing to exclude it for.</span>;
  const key = excludeKey(event, rule.ruleId);
  return (
    <button
      type="button"
      disabled={state.pending !== null}
      onClick={() => onExclude(event, rule.ruleId)}
      className="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800"
    >
      {state.pending === key ? "Excluding…" : "Exclude this rule for this site"}
      <span className="sr-only">
        {" "}
        (rule {rule.ruleId}, {site.name})
      </span>
    </button>
  );
}

export function EventDetails({
  event,
  state,
  onExclude,
}: {
  event: WafEventRow;
  state: ExcludeState;
  onExclude: (event: WafEventRow, ruleId: number) => void;
}) {
  return (
    // Sticky at the left edge and no wider than the screen: on a phone the table scrolls sideways, the details do not.
    <div className="sticky left-0 max-w-[calc(100vw-3rem)] space-y-3 py-2 md:max-w-none">
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="font-medium">Request id</dt>
        <dd className="font-mono text-xs break-all">{event.requestId}</dd>
        <dt className="font-medium">Client</dt>
        <dd className="font-mono text-xs break-all">{event.client}</dd>
        <dt className="font-medium">Request</dt>
        <dd className="font-mono text-xs break-all" data-testid="event-request-line">
          {event.method} {event.path}
        </dd>
        <dt className="font-medium">Host</dt>
        <dd className="font-mono text-xs break-all">{event.host || "(none)"}</dd>
        <dt className="font-medium">Site</dt>
        <dd>{event.site ? event.site.hosts.join(", ") : "no site serves this host"}</dd>
        <dt className="font-medium">Answered</dt>
        <dd>HTTP {event.status || "unknown"}</dd>
        <dt className="font-medium">Logged at</dt>
        <dd>
          <time dateTime={event.time}>{new Date(event.time).toLocaleString()}</time>
        </dd>
      </dl>
      <ul className="space-y-2" aria-label={`Rules matched by ${event.requestId}`}>
        {event.rules.map((rule) => {
          const error = state.error?.key === excludeKey(event, rule.ruleId) ? state.error.message : null;
          return (
            <li key={rule.ruleId} data-testid="event-rule" data-rule={rule.ruleId} className="rounded-md border border-slate-200 p-2 dark:border-slate-800">
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="min-w-0 text-sm">
                  <span className="font-mono font-semibold">{rule.ruleId}</span>{" "}
                  <span className="break-words text-slate-700 dark:text-slate-300">{rule.messages.join(" · ") || "(no message)"}</span>
                </div>
                <RuleExclusion event={event} rule={rule} state={state} onExclude={onExclude} />
              </div>
              {error && (
                <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
                  {error}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
