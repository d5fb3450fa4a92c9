import type { DryRunReport } from "@/lib/migrations/backup/dry-run";
import { Badge } from "../ui/badge";

/** The dry run's report, inline: each pending migration's outcome on the copy, then the copy's schema verdict. */
export function DryRunResult({ report }: { report: DryRunReport }) {
  return (
    <div data-testid="dry-run-result" data-ok={report.ok} className="space-y-2 text-sm">
      <p className="font-medium">
        {report.ok ? "Test passed on a copy" : "Test FAILED on a copy"} (copy made in {report.copyMs} ms; the database itself was not changed)
      </p>
      {report.steps.length === 0 ? (
        <p>No pending migrations: nothing to test.</p>
      ) : (
        <ul className="space-y-1">
          {report.steps.map((step) => (
            <li key={step.name} data-testid="dry-run-step" className="rounded border border-slate-200 p-2 dark:border-slate-700">
              <span className="font-mono text-xs">{step.name}</span>{" "}
              {step.status === "applied" ? (
                <Badge tone="green">ok, {step.ms} ms</Badge>
              ) : step.status === "not_run" ? (
                <Badge tone="grey">not run</Badge>
              ) : (
                <Badge tone="red">failed</Badge>
              )}
              {step.status === "failed" && (
                <div className="mt-1 space-y-1 text-xs">
                  {step.statement && (
                    <p>
                      Statement: <code className="whitespace-pre-wrap break-all font-mono">{step.statement}</code>
                    </p>
                  )}
                  <p>Database error: {step.error}</p>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <p data-testid="dry-run-verdict">Schema of the copy afterwards: {report.verdict.summary}</p>
    </div>
  );
}
