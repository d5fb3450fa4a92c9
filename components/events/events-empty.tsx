import type { WafEventsView } from "@/lib/actions/edge/events-queries";

// What the Events page says when there is no row to show, and why: the edge is not installed, it has
// logged nothing yet, or the filters match nothing.

export function EventsEmpty({ view, filtered }: { view: WafEventsView; filtered: boolean }) {
  if (view.kept > 0 && filtered)
    return (
      <p data-testid="events-empty" className="text-sm text-slate-600 dark:text-slate-300">
        No event matches these filters.
      </p>
    );
  if (view.edgeMissing)
    return (
      <div data-testid="events-empty" className="rounded-md border border-slate-300 bg-slate-50 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
        <p className="font-medium">
          The edge is not installed: run <code>bash scripts/install-edge.sh</code>
        </p>
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-300">{view.edgeMissing}.</p>
      </div>
    );
  return (
    <div data-testid="events-empty" className="text-sm text-slate-600 dark:text-slate-300">
      <p className="font-medium">No WAF events yet</p>
      <p className="mt-1 text-xs">The edge writes a request to its audit log ({view.auditLog}) when the WAF matches a rule; it shows here within seconds.</p>
    </div>
  );
}
