"use client";

import { formatTimeLeft, ORIGIN_LABELS, type DecisionRow } from "@/lib/decisions/decision-types";
import { useNow } from "../hooks/use-now";
import { Badge, type BadgeTone } from "../ui/badge";

// One page of active decisions: a checkbox each (bulk unban), value, type, origin, scenario or reason,
// time left (ticking, the expiry on hover), whether the edge enforces it, and a per-row Unban. Rows are
// keyed by decision id, so a poll keeps the selection and the focus.

const ORIGIN_TONES: Record<DecisionRow["originKind"], BadgeTone> = { scenario: "blue", manual: "grey", panel: "green", other: "grey" };

function TimeLeft({ row }: { row: DecisionRow }) {
  const now = useNow();
  const seconds = now === null ? row.timeLeftSeconds : (Date.parse(row.expiresAt) - now) / 1000;
  return (
    <time dateTime={row.expiresAt} title={`expires ${now === null ? row.expiresAt : new Date(row.expiresAt).toLocaleString()}`} className="tabular-nums">
      {seconds <= 0 ? "expired" : formatTimeLeft(seconds)}
    </time>
  );
}

export function DecisionsTable({
  rows,
  selected,
  onSelect,
  onUnban,
  unbanDisabled,
}: {
  rows: DecisionRow[];
  selected: ReadonlySet<number>;
  onSelect: (ids: number[], on: boolean) => void;
  onUnban: (rows: DecisionRow[]) => void;
  unbanDisabled: boolean;
}) {
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  return (
    // relative: the visually hidden labels (position: absolute) scroll with the table, not widen the page.
    <div className="relative overflow-x-auto">
      <table className="w-full min-w-[52rem] text-left text-sm" data-testid="decisions-table">
        <thead className="text-xs uppercase text-slate-500 dark:text-slate-400">
          <tr>
            <th className="w-8 py-2 pr-2">
              <input
                type="checkbox"
                aria-label="Select every decision on this page"
                checked={allSelected}
                disabled={unbanDisabled || rows.length === 0}
                onChange={(e) =>
                  onSelect(
                    rows.map((r) => r.id),
                    e.target.checked,
                  )
                }
              />
            </th>
            <th className="py-2 pr-3">Value</th>
            <th className="py-2 pr-3">Type</th>
            <th className="py-2 pr-3">Origin</th>
            <th className="py-2 pr-3">Scenario or reason</th>
            <th className="py-2 pr-3">Time left</th>
            <th className="py-2 pr-3">Edge</th>
            <th className="py-2">
              <span className="sr-only">Unban</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.id}
              data-testid="decision-row"
              data-id={row.id}
              data-origin={row.originKind}
              className="border-t border-slate-200 align-top dark:border-slate-800"
            >
              <td className="py-2 pr-2">
                <input
                  type="checkbox"
                  aria-label={`Select ${row.value}`}
                  checked={selected.has(row.id)}
                  disabled={unbanDisabled}
                  onChange={(e) => onSelect([row.id], e.target.checked)}
                />
              </td>
              <td className="py-2 pr-3 font-mono text-xs break-all" data-testid="decision-value">
                {row.value}
                {row.scope !== "Ip" && row.scope !== "Range" && <span className="ml-1 text-slate-500 dark:text-slate-400">({row.scope})</span>}
              </td>
              <td className="py-2 pr-3">{row.type}</td>
              <td className="py-2 pr-3" title={`LAPI origin: ${row.origin}`}>
                <Badge tone={ORIGIN_TONES[row.originKind]}>{ORIGIN_LABELS[row.originKind]}</Badge>
                {row.originKind === "other" && <div className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">{row.origin}</div>}
              </td>
              <td className="max-w-[18rem] py-2 pr-3 break-words text-xs">{row.scenario}</td>
              <td className="py-2 pr-3 whitespace-nowrap">
                <TimeLeft row={row} />
              </td>
              <td className="py-2 pr-3" data-testid="decision-enforced">
                {row.enforced ? (
                  <Badge tone="green">enforced</Badge>
                ) : (
                  <span title={row.notEnforcedReason ?? undefined}>
                    <Badge tone="amber">not enforced</Badge>
                    {row.notEnforcedReason && <div className="mt-0.5 text-xs text-amber-800 dark:text-amber-300">{row.notEnforcedReason}</div>}
                  </span>
                )}
              </td>
              <td className="py-2 text-right">
                <button type="button" className="underline disabled:opacity-50" disabled={unbanDisabled} onClick={() => onUnban([row])}>
                  Unban<span className="sr-only"> {row.value}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
