"use client";

import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { clockTime } from "./relative-time";

// Data that failed to refresh stays on screen, marked stale: once per view, not once per query.
// Each polled part of a view reports its state here; the view shows one line naming every stale part.

interface StaleEntry {
  /** What went stale, in words ("security status", "drift status"). */
  what: string;
  since: number;
  error: string;
}

const StaleContext = createContext<((key: string, entry: StaleEntry | null) => void) | null>(null);
const StaleEntries = createContext<StaleEntry[]>([]);

export function StaleProvider({ children }: { children: ReactNode }) {
  const [entries, setEntries] = useState<Record<string, StaleEntry>>({});
  const report = useMemo(
    () => (key: string, entry: StaleEntry | null) =>
      setEntries((current) => {
        if (!entry) {
          if (!(key in current)) return current;
          const { [key]: _gone, ...rest } = current;
          return rest;
        }
        const same = current[key];
        if (same && same.since === entry.since && same.error === entry.error) return current;
        return { ...current, [key]: entry };
      }),
    [],
  );
  const list = useMemo(() => Object.values(entries), [entries]);
  return (
    <StaleContext.Provider value={report}>
      <StaleEntries.Provider value={list}>{children}</StaleEntries.Provider>
    </StaleContext.Provider>
  );
}

/** The view's one stale line (nothing while everything refreshes). */
export function StaleNotice() {
  const list = useContext(StaleEntries);
  if (!list.length) return null;
  return (
    <span role="alert" data-testid="stale-notice" className="font-medium text-amber-700 dark:text-amber-300">
      Stale since {clockTime(new Date(Math.min(...list.map((e) => e.since))).toISOString())}: could not refresh the {list.map((e) => e.what).join(", ")} (
      {[...new Set(list.map((e) => e.error))].join("; ")}); showing the last data loaded.
    </span>
  );
}

/**
 * Reports a query's staleness to the view's one notice. Returns false when there is no view notice
 * (the component then says it itself).
 */
export function useStaleReport(key: string, what: string, query: { isError: boolean; data: unknown; dataUpdatedAt: number; error: Error | null }): boolean {
  const report = useContext(StaleContext);
  const stale = query.isError && query.data !== undefined;
  const since = query.dataUpdatedAt;
  const error = query.error?.message ?? "";
  useEffect(() => {
    if (!report) return;
    report(key, stale ? { what, since, error } : null);
    return () => report(key, null);
  }, [report, key, what, stale, since, error]);
  return report !== null;
}
