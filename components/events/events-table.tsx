"use client";

import { Fragment, useState } from "react";
import type { WafEventRow } from "@/lib/actions/edge/event-sites";
import { Badge } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";
import { EventDetails, type ExcludeState } from "./event-details";

// The events, newest first: one row each, opened in place to the full request line and the rules.
// Rows are keyed by request id, so a poll that adds events above keeps an opened row open.

const COLUMNS = 8;

function rulesSummary(event: WafEventRow): { ids: string; message: string; all: string } {
  const ids = event.rules.map((r) => r.ruleId).join(", ");
  const all = event.rules.map((r) => `${r.ruleId}: ${r.messages.join(" · ")}`).join("\n");
  // The first message of a rule that is not the score verdict names what was matched.
  const telling = event.rules.find((r) => r.exclusion !== "score" && r.messages.length > 0) ?? event.rules[0];
  return { ids, message: telling?.messages[0] ?? "", all };
}

export function EventsTable({
  events,
  exclude,
  onExclude,
}: {
  events: WafEventRow[];
  exclude: ExcludeState;
  onExclude: (event: WafEventRow, ruleId: number) => void;
}) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    // relative: the visually hidden labels (position: absolute) scroll with the table, not widen the page.
    <div className="relative overflow-x-auto">
      <table className="w-full min-w-[56rem] text-left text-sm" data-testid="events-table">
        <thead className="text-xs uppercase text-slate-500 dark:text-slate-400">
          <tr>
            <th className="py-2 pr-3">Time</th>
            <th className="py-2 pr-3">Request id</th>
            <th className="py-2 pr-3">Client</th>
            <th className="py-2 pr-3">Site</th>
            <th className="py-2 pr-3">Request</th>
            <th className="py-2 pr-3">Rules</th>
            <th className="py-2 pr-3">Action</th>
            <th className="py-2">
              <span className="sr-only">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const rules = rulesSummary(event);
            const isOpen = open.has(event.requestId);
            const detailsId = `event-details-${event.requestId}`;
            return (
              <Fragment key={event.requestId}>
                <tr
                  data-testid="event-row"
                  data-request-id={event.requestId}
                  data-action={event.action}
                  className="border-t border-slate-200 align-top dark:border-slate-800"
                >
                  <td className="py-2 pr-3 whitespace-nowrap">
                    <RelativeTime iso={event.time} />
                  </td>
                  <td className="py-2 pr-3 font-mono text-xs" title={event.requestId}>
                    {/* Its first characters: the search finds a row by them; the details show it whole. */}
                    <div className="w-24 truncate">{event.requestId}</div>
                  </td>
                  <td className="py-2 pr-3 font-mono text-xs whitespace-nowrap">{event.client}</td>
                  <td className="min-w-[10rem] py-2 pr-3" data-testid="event-site">
                    {event.site ? (
                      <>
                        <div className="font-mono text-xs break-all">{event.site.name}</div>
                        {event.host !== event.site.name && <div className="font-mono text-xs break-all text-slate-500 dark:text-slate-400">{event.host}</div>}
                      </>
                    ) : (
                      <span className="font-mono text-xs break-all text-slate-500 dark:text-slate-400" title="No site serves this host name">
                        {event.host || "(no host)"} (no site)
                      </span>
                    )}
                  </td>
                  <td className="max-w-[16rem] truncate py-2 pr-3 font-mono text-xs" title={`${event.method} ${event.path}`}>
                    {event.method} {event.path}
                  </td>
                  <td className="max-w-[18rem] py-2 pr-3" title={rules.all}>
                    <div className="font-mono text-xs">{rules.ids}</div>
                    <div className="truncate text-xs text-slate-600 dark:text-slate-300">{rules.message}</div>
                  </td>
                  <td className="py-2 pr-3">
                    <Badge tone={event.action === "blocked" ? "red" : "amber"}>{event.action}</Badge>
                  </td>
                  <td className="py-2 text-right">
                    <button
                      type="button"
                      aria-expanded={isOpen}
                      aria-controls={isOpen ? detailsId : undefined}
                      onClick={() => toggle(event.requestId)}
                      className="underline"
                    >
                      {isOpen ? "Hide" : "Details"}
                      <span className="sr-only"> of {event.requestId}</span>
                    </button>
                  </td>
                </tr>
                {isOpen && (
                  <tr id={detailsId} data-testid="event-details" className="bg-slate-50 dark:bg-slate-900/60">
                    <td colSpan={COLUMNS} className="px-3">
                      <EventDetails event={event} state={exclude} onExclude={onExclude} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
