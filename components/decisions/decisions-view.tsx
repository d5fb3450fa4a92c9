"use client";

import { useSearchParams } from "next/navigation";
import { useRef } from "react";
import type { DecisionListParams, DecisionListView } from "@/lib/decisions/decision-types";
import { useDecisionCapabilities } from "../hooks/use-decisions";
import { StaleNotice, StaleProvider } from "../ui/stale-notice";
import { AlertsSection } from "./alerts-table";
import { BanForm } from "./ban-form";
import { DecisionsSection } from "./decisions-section";

// The Decisions page: CrowdSec's active decisions (what the edge blocks) with the ban form, and the
// recent alerts, as two tabs. The tab lives in the URL (?tab=alerts), like the Security page's.

const TABS = [
  { id: "decisions", label: "Decisions" },
  { id: "alerts", label: "Alerts" },
] as const;
type Tab = (typeof TABS)[number]["id"];

export function DecisionsView(props: { initial: DecisionListView; initialParams: DecisionListParams }) {
  return (
    <StaleProvider>
      <DecisionsContent {...props} />
    </StaleProvider>
  );
}

function DecisionsContent({ initial, initialParams }: { initial: DecisionListView; initialParams: DecisionListParams }) {
  const searchParams = useSearchParams();
  const tab: Tab = searchParams.get("tab") === "alerts" ? "alerts" : "decisions";
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});
  const capabilities = useDecisionCapabilities();
  // Until the answer comes, the form waits (disabled, "" says no reason yet) rather than offering what may be refused.
  const disabledReason = capabilities.data
    ? capabilities.data.canBan
      ? null
      : (capabilities.data.reason ?? "not available")
    : capabilities.isError
      ? capabilities.error.message
      : "checking…";

  function select(next: Tab, focus = false) {
    if (focus) tabRefs.current[next]?.focus();
    if (next === tab) return;
    const url = new URL(window.location.href);
    if (next === "decisions") url.searchParams.delete("tab");
    else url.searchParams.set("tab", next);
    window.history.pushState(null, "", url);
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Decisions</h1>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          <StaleNotice />
        </p>
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        CrowdSec&apos;s active decisions: bans the edge enforces (403 before the WAF and rate limits run), and those it cannot. Refreshed every 2 s.
      </p>
      <div role="tablist" aria-label="Decisions sections" className="flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800">
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              tabRefs.current[t.id] = el;
            }}
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => select(t.id)}
            onKeyDown={(e) => {
              if (e.key !== "ArrowRight" && e.key !== "ArrowLeft" && e.key !== "Home" && e.key !== "End") return;
              e.preventDefault();
              const other = TABS.find((x) => x.id !== tab)!.id;
              select(e.key === "Home" ? "decisions" : e.key === "End" ? "alerts" : other, true);
            }}
            className={`-mb-px shrink-0 whitespace-nowrap border-b-2 px-2 py-2 text-sm font-medium sm:px-3 ${
              tab === t.id ? "border-sky-600 text-sky-700 dark:text-sky-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400"
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="space-y-4">
        {tab === "decisions" ? (
          <>
            <BanForm disabledReason={disabledReason} />
            <DecisionsSection initial={initial} initialParams={initialParams} unbanDisabled={disabledReason !== null} />
          </>
        ) : (
          <AlertsSection />
        )}
      </div>
    </div>
  );
}
