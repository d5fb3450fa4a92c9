"use client";

import type { DriftTab } from "@/lib/drift/drift-report";
import { useDrift } from "../hooks/use-drift";
import { tabVerdict } from "./drift-lines";

/**
 * The dot beside a tab label whose surface drifts (amber) or cannot be verified (red ring), with
 * the words for a screen reader. Reads the banner's query. The slot keeps its width when empty, so
 * a dot appearing on a poll does not move the tabs.
 */
export function DriftDot({ tab }: { tab: DriftTab }) {
  const { data } = useDrift();
  const verdict = tabVerdict(data, tab);
  return (
    <span className="ml-1.5 inline-flex h-2 w-2 items-center align-middle">
      {verdict && (
        <span data-testid={`drift-dot-${tab}`} title={verdict === "drift" ? "Drift detected" : "Cannot verify"} className="inline-flex">
          <span aria-hidden className={`h-2 w-2 rounded-full ${verdict === "drift" ? "bg-amber-500" : "border-2 border-red-600 dark:border-red-400"}`} />
          <span className="sr-only">{verdict === "drift" ? "drift detected" : "cannot verify"}</span>
        </span>
      )}
    </span>
  );
}
