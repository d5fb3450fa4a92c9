"use client";

import { useState } from "react";
import type { DecisionListParams, DecisionListView, DecisionRow } from "@/lib/decisions/decision-types";
import { plural } from "@/lib/plural";
import { useDebouncedValue } from "../hooks/use-debounced-value";
import { useDecisions, useUnbanDecisions } from "../hooks/use-decisions";
import { RelativeTime } from "../ui/relative-time";
import { useStaleReport } from "../ui/stale-notice";
import { useToast } from "../ui/toast";
import { DecisionFilters, type DecisionFilterFields } from "./decision-filters";
import { decisionSummary, pageCount, pageRange } from "./decision-summary";
import { DecisionsTable } from "./decisions-table";

// The Decisions tab: the summary line, search and filters, one page of decisions (polled), paging, and
// unban per row or for the rows selected, each after one confirmation, with what LAPI answered.

const TYPING_PAUSE_MS = 300;

type Unban = { kind: "none" } | { kind: "confirm"; rows: DecisionRow[] } | { kind: "done"; message: string } | { kind: "error"; message: string };

export function DecisionsSection({
  initial,
  initialParams,
  unbanDisabled,
}: {
  initial: DecisionListView;
  initialParams: DecisionListParams;
  unbanDisabled: boolean;
}) {
  const [fields, setFields] = useState<DecisionFilterFields>({ ...initialParams, qText: initialParams.q });
  const [page, setPage] = useState(initialParams.page);
  const q = useDebouncedValue(fields.qText.trim(), TYPING_PAUSE_MS);
  const params: DecisionListParams = {
    q,
    origin: fields.origin,
    type: fields.type,
    enforced: fields.enforced,
    sort: fields.sort,
    page,
    pageSize: initialParams.pageSize,
  };
  const decisions = useDecisions(params, { params: initialParams, view: initial });
  useStaleReport("decisions", "decisions", decisions);
  const view = decisions.data ?? initial;

  // Selection by decision id, across pages and polls; a decision that is gone drops out when unbanned.
  const [selected, setSelected] = useState<ReadonlyMap<number, DecisionRow>>(new Map());
  const [unban, setUnban] = useState<Unban>({ kind: "none" });
  const unbanMutation = useUnbanDecisions();
  const toast = useToast();

  function onSelect(ids: number[], on: boolean) {
    setSelected((current) => {
      const next = new Map(current);
      for (const id of ids) {
        const row = view.rows.find((r) => r.id === id);
        if (on && row) next.set(id, row);
        else next.delete(id);
      }
      return next;
    });
  }

  function change(next: Partial<DecisionFilterFields>) {
    setFields((current) => ({ ...current, ...next }));
    setPage(1);
  }

  function confirmUnban(rows: DecisionRow[]) {
    setUnban({ kind: "none" });
    unbanMutation.mutate(
      rows.map((r) => r.id),
      {
        onSuccess: (data) => {
          const message =
            data.deleted === 0
              ? "Nothing was unbanned: those decisions had already gone."
              : `Unbanned ${plural(data.deleted, "decision")}: ${data.values.join(", ")}.`;
          setUnban({ kind: "done", message });
          setSelected((current) => {
            const next = new Map(current);
            for (const r of rows) next.delete(r.id);
            return next;
          });
          toast(message, "success");
        },
        onError: (error) => {
          setUnban({ kind: "error", message: error.message });
          toast(error.message, "error");
        },
      },
    );
  }

  const pages = pageCount(view);
  return (
    <div className="space-y-3">
      <p data-testid="decisions-summary" className="text-sm text-slate-700 dark:text-slate-300">
        {decisionSummary(view)}
        {view.syncedAt && (
          <>
            {" · synced "}
            <RelativeTime iso={view.syncedAt} />
          </>
        )}
      </p>
      {view.state.staleSince && (
        <p
          role="alert"
          data-testid="blocklist-stale"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          The edge&apos;s blocklist is stale since <RelativeTime iso={view.state.staleSince} />
          {view.state.staleReason ? ` (${view.state.staleReason})` : ""}: it keeps serving the last good one.
        </p>
      )}
      <DecisionFilters fields={fields} onChange={change} />
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p data-testid="decisions-range" className="text-sm text-slate-700 dark:text-slate-300">
          {pageRange(view)}
        </p>
        <button
          type="button"
          data-testid="unban-selected"
          disabled={unbanDisabled || selected.size === 0 || unbanMutation.isPending}
          onClick={() => setUnban({ kind: "confirm", rows: [...selected.values()] })}
          className="rounded-md border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-50 dark:border-slate-700"
        >
          Unban {selected.size} selected
        </button>
      </div>
      {unban.kind === "confirm" && (
        <div
          role="alertdialog"
          aria-labelledby="unban-confirm-text"
          data-testid="unban-confirm"
          className="space-y-2 rounded-md border border-slate-300 px-3 py-2 text-sm dark:border-slate-700"
        >
          <p id="unban-confirm-text">
            Unban {plural(unban.rows.length, "decision")} ({unban.rows.map((r) => r.value).join(", ")})? They are deleted from CrowdSec and the edge serves
            these addresses again within about a second.
          </p>
          <div className="flex gap-2">
            <button
              type="button"
              onClick={() => confirmUnban(unban.rows)}
              className="rounded-md bg-slate-800 px-3 py-1.5 text-white dark:bg-slate-200 dark:text-slate-900"
            >
              Unban
            </button>
            <button type="button" onClick={() => setUnban({ kind: "none" })} className="rounded-md border border-slate-300 px-3 py-1.5 dark:border-slate-700">
              Cancel
            </button>
          </div>
        </div>
      )}
      {unbanMutation.isPending && <p className="text-sm text-slate-600 dark:text-slate-300">Unbanning…</p>}
      {unban.kind === "done" && (
        <p role="status" data-testid="unban-result" className="text-sm text-emerald-800 dark:text-emerald-300">
          {unban.message}
        </p>
      )}
      {unban.kind === "error" && (
        <p role="alert" data-testid="unban-error" className="text-sm text-red-700 dark:text-red-400">
          {unban.message}
        </p>
      )}
      {view.rows.length === 0 ? (
        <p
          data-testid="decisions-empty"
          className="rounded-md border border-dashed border-slate-300 px-3 py-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-300"
        >
          {view.total === 0 && view.counts.active > 0 ? "No active decision matches these filters." : "No active decisions."}
        </p>
      ) : (
        <DecisionsTable
          rows={view.rows}
          selected={new Set(selected.keys())}
          onSelect={onSelect}
          onUnban={(rows) => setUnban({ kind: "confirm", rows })}
          unbanDisabled={unbanDisabled}
        />
      )}
      <nav aria-label="Decision pages" className="flex items-center justify-between gap-2 text-sm">
        <button
          type="button"
          disabled={view.page <= 1}
          onClick={() => setPage(view.page - 1)}
          className="rounded-md border border-slate-300 px-3 py-1.5 disabled:opacity-50 dark:border-slate-700"
        >
          Previous
        </button>
        <span data-testid="decisions-page">
          Page {view.page} of {pages}
        </span>
        <button
          type="button"
          disabled={view.page >= pages}
          onClick={() => setPage(view.page + 1)}
          className="rounded-md border border-slate-300 px-3 py-1.5 disabled:opacity-50 dark:border-slate-700"
        >
          Next
        </button>
      </nav>
    </div>
  );
}
