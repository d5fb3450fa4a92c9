"use client";

import { useState } from "react";
import { PROTECTIONS } from "@/lib/security/protections";
import type { SecurityStatus } from "@/lib/security/status";
import { useSecurityStatus } from "../hooks/use-security-status";
import { clockTime, RelativeTime } from "../ui/relative-time";
import { AuditTable } from "./audit-table";
import { ProtectionCard } from "./protection-card";

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "audit", label: "Audit" },
] as const;
export type SecurityTab = (typeof TABS)[number]["id"];

export function SecurityView({ initialStatus, initialTab }: { initialStatus?: SecurityStatus; initialTab: SecurityTab }) {
  const [tab, setTab] = useState<SecurityTab>(initialTab);
  const status = useSecurityStatus(initialStatus);
  const data = status.data;

  function select(next: SecurityTab) {
    setTab(next);
    const url = new URL(window.location.href);
    url.searchParams.set("tab", next);
    window.history.replaceState(null, "", url);
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Security</h1>
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="status-freshness">
          {status.isError && data ? (
            <span role="alert" className="font-medium text-amber-700 dark:text-amber-300">
              Stale since {clockTime(new Date(status.dataUpdatedAt).toISOString())}: {status.error.message}
            </span>
          ) : data ? (
            <>
              Status checked <RelativeTime iso={new Date(status.dataUpdatedAt || Date.parse(data.checkedAt)).toISOString()} />
            </>
          ) : null}
        </p>
      </div>
      <div role="tablist" aria-label="Security sections" className="flex gap-1 border-b border-slate-200 dark:border-slate-800">
        {TABS.map((t) => (
          <button
            key={t.id}
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => select(t.id)}
            onKeyDown={(e) => {
              const i = TABS.findIndex((x) => x.id === tab);
              if (e.key === "ArrowRight") select(TABS[(i + 1) % TABS.length]!.id);
              if (e.key === "ArrowLeft") select(TABS[(i - 1 + TABS.length) % TABS.length]!.id);
            }}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${
              tab === t.id ? "border-sky-600 text-sky-700 dark:text-sky-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400"
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "overview" &&
          (data ? (
            <div className="grid gap-4 xl:grid-cols-3 lg:grid-cols-2">
              {PROTECTIONS.map((p) => (
                <ProtectionCard key={p} protection={p} intent={data.intent[p]} runtime={data.runtime[p]} />
              ))}
            </div>
          ) : status.isError ? (
            <p role="alert" className="text-red-700">Could not load the security status: {status.error.message}</p>
          ) : (
            <p>Loading…</p>
          ))}
        {tab === "audit" && <AuditTable />}
      </div>
    </div>
  );
}
