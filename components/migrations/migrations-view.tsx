"use client";

import { useState } from "react";
import { useMigrationReport, type ReportWithSince } from "../hooks/use-migration-report";
import { clockTime, RelativeTime } from "../ui/relative-time";
import { BackupList } from "./backup-list";
import { PendingActions } from "./pending-actions";
import { RemedyList } from "./remedy-list";
import { MigrationTable } from "./migration-table";
import { SchemaIntegrityView } from "./schema-integrity";

const SUMMARY_STYLE = {
  healthy: "border-emerald-300 bg-emerald-50 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
  pending: "border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100",
  degraded: "border-red-300 bg-red-50 text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
};

export function MigrationsView({ initial }: { initial: ReportWithSince }) {
  const [applying, setApplying] = useState(false);
  // Once Apply was used here, the panel stays (with its outcome) after nothing is pending any more.
  const [applied, setApplied] = useState(false);
  const query = useMigrationReport(initial, { applying });
  const report = query.data;
  const pending = report.migrations.filter((m) => m.state === "pending" || m.state === "rolled_back").map((m) => m.name);
  const showPending = (report.status === "pending" && pending.length > 0) || applying || applied;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Migrations</h1>
        <p className="text-xs text-slate-500" data-testid="report-freshness">
          {query.isError ? (
            <span role="alert" className="font-medium text-amber-700">
              Stale since {clockTime(new Date(query.dataUpdatedAt).toISOString())}: {query.error.message}
            </span>
          ) : (
            <>
              Checked <RelativeTime iso={report.checkedAt} /> ({report.provider}
              {report.database.latencyMs !== null ? `, ${report.database.latencyMs} ms` : ""})
            </>
          )}
        </p>
      </div>
      <section data-testid="migration-summary" data-status={report.status} className={`rounded-lg border p-4 ${SUMMARY_STYLE[report.status]}`}>
        <p className="font-medium">{report.summary}</p>
        {report.reasons.length > 1 && (
          <ul className="mt-2 list-disc pl-5 text-sm">
            {report.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
        {report.remedies.length > 0 && (
          <div className="mt-2">
            <RemedyList remedies={report.remedies} lead="Fix: on the server, run" />
          </div>
        )}
        {report.degradedSince && (
          <p className="mt-2 text-xs">
            Degraded since <RelativeTime iso={report.degradedSince} />
          </p>
        )}
      </section>
      {showPending && (
        <PendingActions
          pending={pending}
          job={report.job}
          onApplyingChange={(now) => {
            setApplying(now);
            if (now) setApplied(true);
          }}
        />
      )}
      {report.migrations.length > 0 && (
        <section aria-labelledby="migrations-title">
          <h2 id="migrations-title" className="mb-2 text-lg font-semibold">
            Migration history
          </h2>
          <MigrationTable migrations={report.migrations} />
        </section>
      )}
      {report.schema && (
        <section aria-labelledby="schema-title">
          <h2 id="schema-title" className="mb-2 text-lg font-semibold">
            Schema integrity
          </h2>
          <SchemaIntegrityView schema={report.schema} />
        </section>
      )}
      <section aria-labelledby="backups-title">
        <h2 id="backups-title" className="mb-2 text-lg font-semibold">
          Backups
        </h2>
        <BackupList />
      </section>
    </div>
  );
}
