"use client";

import { useState } from "react";
import type { WafEventRow } from "@/lib/actions/edge/event-sites";
import type { WafEventsView } from "@/lib/actions/edge/events-queries";
import type { EventFilterKey } from "@/lib/client/event-keys";
import { plural } from "@/lib/plural";
import { parseRuleId } from "@/lib/sites/grammar";
import { useDebouncedValue } from "../hooks/use-debounced-value";
import { useExcludeRule } from "../hooks/use-exclude-rule";
import { useWafEvents } from "../hooks/use-waf-events";
import { StaleNotice, StaleProvider, useStaleReport } from "../ui/stale-notice";
import { useToast } from "../ui/toast";
import { EventFilters, type FilterFields } from "./event-filters";
import { excludeKey, type ExcludeState } from "./event-details";
import { EventsEmpty } from "./events-empty";
import { EventsTable } from "./events-table";

/** Typing in the search or rule field filters once it pauses this long (not one request per key). */
const TYPING_PAUSE_MS = 300;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function ruleError(text: string): string | null {
  if (text.trim() === "") return null;
  try {
    parseRuleId(text.trim());
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function requestIdError(text: string): string | null {
  const id = text.trim();
  return id === "" || REQUEST_ID.test(id) ? null : "A request id is 1–64 letters, digits, dots, colons, hyphens or underscores";
}

export function EventsView({ initial, initialFilter }: { initial: WafEventsView; initialFilter: EventFilterKey }) {
  return (
    <StaleProvider>
      <EventsContent initial={initial} initialFilter={initialFilter} />
    </StaleProvider>
  );
}

function EventsContent({ initial, initialFilter }: { initial: WafEventsView; initialFilter: EventFilterKey }) {
  const [fields, setFields] = useState<FilterFields>({ ...initialFilter, ruleText: initialFilter.rule, requestIdText: initialFilter.requestId });
  const ruleText = useDebouncedValue(fields.ruleText.trim(), TYPING_PAUSE_MS);
  const requestIdText = useDebouncedValue(fields.requestIdText.trim(), TYPING_PAUSE_MS);
  const errors = { rule: ruleError(fields.ruleText), requestId: requestIdError(fields.requestIdText) };
  // A field with an error filters nothing until it is fixed (the error beside it says why).
  const filter: EventFilterKey = {
    site: fields.site,
    action: fields.action,
    rule: ruleError(ruleText) ? "" : ruleText,
    requestId: requestIdError(requestIdText) ? "" : requestIdText,
  };
  const events = useWafEvents(filter, { filter: initialFilter, view: initial });
  useStaleReport("events", "WAF events", events);
  const view = events.data ?? initial;

  const toast = useToast();
  const excludeRule = useExcludeRule();
  const [exclude, setExclude] = useState<ExcludeState>({ pending: null, error: null });

  function onExclude(event: WafEventRow, ruleId: number) {
    const site = event.site;
    if (!site) return;
    const names = site.hosts.join(", ");
    const question =
      `Exclude rule ${ruleId} for ${names}?\n\n` +
      `The WAF stops applying rule ${ruleId} to requests for these host names; other sites keep it. ` +
      `The change is audited and applied to the edge; you can apply the rule again from the Sites page.`;
    if (!window.confirm(question)) return;
    const key = excludeKey(event, ruleId);
    setExclude({ pending: key, error: null });
    excludeRule.mutate(
      { siteId: site.id, ruleId, reason: `From the WAF event ${event.requestId}` },
      {
        onSuccess: () => {
          setExclude({ pending: null, error: null });
          toast(`Rule ${ruleId} is now excluded for ${site.name}.`, "success");
        },
        onError: (error) => {
          setExclude({ pending: null, error: { key, message: (error as Error).message } });
          toast((error as Error).message, "error");
        },
      },
    );
  }

  const filtered = filter.site !== "" || filter.action !== "" || filter.rule !== "" || filter.requestId !== "";
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Events</h1>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          <StaleNotice />
        </p>
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        What the WAF matched at the edge, newest first, from its audit log (refreshed every 2 s; the last {view.keep} events are kept).
      </p>
      {view.readError && (
        <p
          role="alert"
          data-testid="events-read-error"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          {view.readError}. The events below are those read before.
        </p>
      )}
      {view.edgeMissing && view.kept > 0 && (
        <p
          data-testid="events-edge-missing"
          className="rounded-md border border-slate-300 bg-slate-50 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
        >
          The edge is not installed: run <code>bash scripts/install-edge.sh</code>. The events below were logged before ({view.edgeMissing}).
        </p>
      )}
      <EventFilters fields={fields} errors={errors} sites={view.sites} onChange={(change) => setFields((current) => ({ ...current, ...change }))} />
      <p data-testid="events-count" className="text-sm text-slate-700 dark:text-slate-300">
        {filtered
          ? `${view.matched} of ${view.kept} events match${view.matched > view.events.length ? ` (the newest ${view.events.length} shown)` : ""}.`
          : `${plural(view.kept, "event")}${view.kept > view.events.length ? ` (the newest ${view.events.length} shown)` : ""}.`}
      </p>
      {view.events.length === 0 ? (
        <EventsEmpty view={view} filtered={filtered} />
      ) : (
        <EventsTable events={view.events} exclude={exclude} onExclude={onExclude} />
      )}
    </div>
  );
}
