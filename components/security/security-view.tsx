"use client";

import { useSearchParams } from "next/navigation";
import { useRef } from "react";
import { DRIFT_TABS, type DriftReport, type DriftTab } from "@/lib/drift/drift-report";
import { PROTECTIONS } from "@/lib/security/spec";
import type { SecurityStatus } from "@/lib/actions/security/security-queries";
import { useDrift } from "../hooks/use-drift";
import { useSecurityStatus } from "../hooks/use-security-status";
import { RelativeTime } from "../ui/relative-time";
import { AppsecTab } from "./appsec-tab";
import { AuditTable } from "./audit-table";
import { DriftBanner } from "./drift-banner";
import { DriftDot } from "./drift-dot";
import { ProtectionCard } from "./protection-card";
import { ScenariosTab } from "./scenarios-tab";
import { VerifyPanel } from "./verify-panel";
import { parseSecurityTab, SECURITY_TABS, tabForKey, type SecurityTab } from "./security-tabs";
import { StaleNotice, StaleProvider, useStaleReport } from "../ui/stale-notice";

const isDriftTab = (tab: SecurityTab): tab is DriftTab => (DRIFT_TABS as readonly string[]).includes(tab);

export function SecurityView(props: { initialStatus?: SecurityStatus; initialDrift?: DriftReport }) {
  return (
    <StaleProvider>
      <SecurityViewContent {...props} />
    </StaleProvider>
  );
}

function SecurityViewContent({ initialStatus, initialDrift }: { initialStatus?: SecurityStatus; initialDrift?: DriftReport }) {
  // The tab lives in the URL (?tab=), both ways: a link to /security?tab=audit (the sidebar's Audit)
  // selects it, a click on a tab is a history entry, and Back returns to the tab before.
  const searchParams = useSearchParams();
  const tab = parseSecurityTab(searchParams.get("tab") ?? undefined);
  const status = useSecurityStatus(initialStatus);
  useStaleReport("status", "security status", status);
  // Seeds the one drift query (banner, dots, header pill) with the server-rendered snapshot.
  useDrift(initialDrift);
  const tabRefs = useRef<Partial<Record<SecurityTab, HTMLButtonElement | null>>>({});
  const data = status.data;

  function select(next: SecurityTab, focus = false) {
    if (focus) tabRefs.current[next]?.focus();
    if (next === tab) return;
    const url = new URL(window.location.href);
    if (next === "overview") url.searchParams.delete("tab");
    else url.searchParams.set("tab", next);
    // Next.js keeps useSearchParams in step with the native history API.
    window.history.pushState(null, "", url);
  }

  return (
    <div className="space-y-4">
      <DriftBanner />
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Security</h1>
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="status-freshness">
          <StaleNotice />
          {status.isError && data ? null : data ? (
            <>
              Status checked <RelativeTime iso={new Date(status.dataUpdatedAt || Date.parse(data.checkedAt)).toISOString()} />
            </>
          ) : null}
        </p>
      </div>
      <div role="tablist" aria-label="Security sections" className="flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800">
        {SECURITY_TABS.map((t) => (
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
              const next = tabForKey(tab, e.key);
              if (next) {
                e.preventDefault();
                select(next, true);
              }
            }}
            className={`-mb-px shrink-0 whitespace-nowrap border-b-2 px-2 py-2 sm:px-3 text-sm font-medium ${
              tab === t.id ? "border-sky-600 text-sky-700 dark:text-sky-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400"
            }`}
          >
            {t.label}
            {isDriftTab(t.id) && <DriftDot tab={t.id} />}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "overview" &&
          (data ? (
            <>
              <VerifyPanel />
              <div className="grid gap-4 xl:grid-cols-3 lg:grid-cols-2">
                {PROTECTIONS.map((p) => (
                  <ProtectionCard key={p} protection={p} intent={data.intent[p]} runtime={data.runtime[p]} />
                ))}
              </div>
            </>
          ) : status.isError ? (
            <p role="alert" className="text-red-700">
              Could not load the security status: {status.error.message}
            </p>
          ) : (
            <p>Loading…</p>
          ))}
        {tab === "scenarios" && <ScenariosTab />}
        {tab === "appsec" && <AppsecTab onEditIntent={() => select("overview", true)} />}
        {tab === "audit" && <AuditTable />}
      </div>
    </div>
  );
}
