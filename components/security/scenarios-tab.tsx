"use client";

import { useState } from "react";
import { useDebouncedValue } from "../hooks/use-debounced-value";
import { useScenarios } from "../hooks/use-scenarios";
import { clockTime } from "../ui/relative-time";
import { scenarioCounts } from "./scenario-facts";
import { ScenarioRow } from "./scenario-row";
import { useStaleReport } from "../ui/stale-notice";

/** Typing pauses this long before the search goes to the server (one request per pause, not per key). */
const SEARCH_DEBOUNCE_MS = 250;

/** Every scenario the runtime offers: the panel's intent (a switch each) beside what is on disk. */
export function ScenariosTab() {
  const [search, setSearch] = useState("");
  const q = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
  const list = useScenarios(q);
  const staleReported = useStaleReport("scenarios", "scenario list", list);
  const data = list.data;

  return (
    <div className="space-y-3">
      <p className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-950 dark:border-sky-900 dark:bg-sky-950 dark:text-sky-100">
        Switches change the panel&apos;s intent only; the runtime follows when you press Apply to runtime.
      </p>
      {data && !data.runtime.readable && (
        <p
          data-testid="scenarios-runtime-unreadable"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          The runtime&apos;s scenarios cannot be read, so the Runtime column is unknown: {data.runtime.reason}
        </p>
      )}
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <label htmlFor="scenario-search" className="block text-sm font-medium">
            Search scenarios
          </label>
          <input
            id="scenario-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="e.g. ssh"
            autoComplete="off"
            className="mt-1 block w-72 max-w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
          />
        </div>
        <p data-testid="scenario-counts" className="text-sm text-slate-700 dark:text-slate-300" aria-live="polite">
          {data ? scenarioCounts(data, q) : list.isError ? null : "Loading scenarios…"}
        </p>
      </div>
      {list.isError && (!data || !staleReported) && (
        <p role="alert" className="text-sm font-medium text-amber-800 dark:text-amber-200">
          {data
            ? `Stale since ${clockTime(new Date(list.dataUpdatedAt).toISOString())}: ${list.error.message}`
            : `Could not load the scenarios: ${list.error.message}`}
        </p>
      )}
      {data && data.runtime.readable && data.runtime.problems.length > 0 && (
        <details className="text-sm">
          <summary className="cursor-pointer">
            {data.runtime.problems.length === 1 ? "1 problem" : `${data.runtime.problems.length} problems`} reading {data.runtime.dir}
          </summary>
          <ul className="mt-1 list-disc pl-5">
            {data.runtime.problems.map((p) => (
              <li key={p} className="break-words">
                {p}
              </li>
            ))}
          </ul>
        </details>
      )}
      {data && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[36rem] text-left text-sm" data-testid="scenario-table">
            <caption className="sr-only">Scenarios: the panel&apos;s intent and the runtime&apos;s state on disk</caption>
            <thead className="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800 dark:text-slate-400">
              <tr>
                <th scope="col" className="py-2 pr-3">
                  Scenario
                </th>
                <th scope="col" className="py-2 pr-3">
                  Intent
                </th>
                <th scope="col" className="py-2 pr-3">
                  Runtime
                </th>
                <th scope="col" className="py-2">
                  <span className="sr-only">Drift</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.scenarios.map((entry, i) => (
                <ScenarioRow key={entry.name} entry={entry} labelId={`scenario-name-${i}`} />
              ))}
              {data.scenarios.length === 0 && (
                <tr>
                  <td colSpan={4} className="py-4 text-center text-slate-500">
                    {q ? `No scenario matches “${q}”.` : "No scenario is known: the runtime's hub offers none yet."}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
