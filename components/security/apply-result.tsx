"use client";

import { useState } from "react";
import type { ApplyReport } from "@/lib/engine/apply-all";
import { applySummary } from "./drift-lines";

/** What Apply to runtime did; for an external runtime, the commands to run there (copyable). */
export function ApplyResult({ report, settled }: { report: ApplyReport; settled: boolean }) {
  const [copied, setCopied] = useState(false);
  const lines = applySummary(report);
  return (
    <div data-testid="drift-apply-result" className="space-y-2 text-sm">
      <p className="font-medium">{settled ? "Applied to runtime: the runtime now matches the panel's intent." : `Applied to runtime in ${report.ms} ms.`}</p>
      <ul className="list-disc space-y-0.5 pl-5">
        {lines.map((line) => (
          <li key={line} className="break-words">
            {line}
          </li>
        ))}
      </ul>
      {report.mode === "external" && report.commands.length > 0 && (
        <div className="space-y-1">
          <div className="flex items-center gap-2">
            <span className="font-medium">Run on the CrowdSec host:</span>
            <button
              type="button"
              onClick={async () => {
                await navigator.clipboard?.writeText(report.commands.join("\n")).catch(() => undefined);
                setCopied(true);
                setTimeout(() => setCopied(false), 2_000);
              }}
              className="rounded border border-current px-2 py-0.5 text-xs"
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
          <pre
            data-testid="drift-apply-commands"
            tabIndex={0}
            aria-label="Commands to run on the CrowdSec host"
            className="max-h-60 overflow-auto whitespace-pre rounded bg-slate-900 p-2 font-mono text-xs text-slate-100"
          >
            {report.commands.join("\n")}
          </pre>
        </div>
      )}
    </div>
  );
}
