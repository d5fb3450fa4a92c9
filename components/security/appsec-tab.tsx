"use client";

import { useDrift } from "../hooks/use-drift";
import { useSecurityStatus } from "../hooks/use-security-status";
import { Badge } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";
import { appsecRows } from "./appsec-rows";
import { EdgePanel } from "./edge-panel";

/**
 * The edge that enforces the WAF (its drift surface), then the WAF intent beside what the tuning file
 * on disk says (the appsec surface), and plainly what that file is: for a ModSecurity run elsewhere.
 */
export function AppsecTab({ onEditIntent }: { onEditIntent: () => void }) {
  const status = useSecurityStatus();
  const drift = useDrift();
  const waf = status.data?.intent.waf;
  const snap = drift.data?.surfaces.appsec;
  const rows = appsecRows(waf, snap);
  const filePath = typeof snap?.actual?.path === "string" ? snap.actual.path : typeof snap?.expected?.path === "string" ? snap.expected.path : null;
  const warnings = Array.isArray(snap?.actual?.warnings) ? (snap.actual.warnings as unknown[]).map(String) : [];
  const warningCount = typeof snap?.actual?.warningCount === "number" ? snap.actual.warningCount : warnings.length;

  return (
    <div className="space-y-4">
      <EdgePanel snap={drift.data?.surfaces.edge} />
      <p className="rounded-md border border-slate-300 bg-slate-50 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900" data-testid="appsec-honesty">
        The tuning file below is for a ModSecurity with the OWASP CRS that you run yourself; the edge above loads the same settings from its own files. For this
        file Warden checks the file, not a WAF process.
      </p>
      <div className="text-sm">
        <span className="font-medium">Tuning file: </span>
        {filePath ? <code className="break-all font-mono text-xs">{filePath}</code> : <span>not known yet</span>}
        {snap && (
          <span className="ml-2 text-xs text-slate-500 dark:text-slate-400">
            checked <RelativeTime iso={snap.checkedAt} />
          </span>
        )}
      </div>
      {snap?.verdict === "cannot_verify" && (
        <p
          data-testid="appsec-cannot-verify"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          Cannot verify: {snap.reason ?? "no reason was recorded"}
        </p>
      )}
      <div className="overflow-x-auto">
        <table className="w-full min-w-[28rem] text-left text-sm" data-testid="appsec-table">
          <caption className="sr-only">WAF settings: the panel&apos;s intent and the tuning file on disk</caption>
          <thead className="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="py-2 pr-3">
                Setting
              </th>
              <th scope="col" className="py-2 pr-3">
                Intent (panel)
              </th>
              <th scope="col" className="py-2 pr-3">
                Tuning file
              </th>
              <th scope="col" className="py-2">
                Match
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label} className="border-b border-slate-100 dark:border-slate-800" data-testid={`appsec-row-${row.key}`}>
                <th scope="row" className="py-2 pr-3 font-medium">
                  {row.label}
                </th>
                <td className="py-2 pr-3 tabular-nums">{row.intent}</td>
                <td className="py-2 pr-3 tabular-nums">{row.runtime}</td>
                <td className="py-2">
                  {row.match === "differs" ? (
                    <Badge tone="amber">differs</Badge>
                  ) : row.match === "same" ? (
                    <Badge tone="green">same</Badge>
                  ) : (
                    <Badge tone="grey">unknown</Badge>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {warningCount > 0 && (
        <details className="text-sm">
          <summary className="cursor-pointer">{warningCount === 1 ? "1 warning" : `${warningCount} warnings`} reading the file</summary>
          <ul className="mt-1 list-disc pl-5">
            {warnings.map((w) => (
              <li key={w} className="break-words">
                {w}
              </li>
            ))}
          </ul>
        </details>
      )}
      <p className="text-sm text-slate-600 dark:text-slate-300">
        The intent is changed in the WAF card&apos;s settings on{" "}
        <button type="button" onClick={onEditIntent} className="underline">
          the Overview tab
        </button>
        ; the file follows when you press Apply to runtime.
      </p>
    </div>
  );
}
