"use client";

import { useState } from "react";
import type { ScenarioEntry } from "@/lib/drift/scenario-list";
import { ActionFailure } from "../hooks/use-protection-mutation";
import { useSetScenario } from "../hooks/use-set-scenario";
import { Badge } from "../ui/badge";
import { clockTime, RelativeTime } from "../ui/relative-time";
import { Switch } from "../ui/switch";
import { useToast } from "../ui/toast";
import { runtimeText } from "./scenario-facts";

function failureMessage(name: string, error: unknown): string {
  if (!(error instanceof ActionFailure)) return `${name}: the request did not reach the server (${(error as Error).message}); nothing was changed.`;
  const c = error.error.conflict;
  if (error.error.code !== "CONFLICT" || !c) return error.message;
  const when = c.changedAt ? ` at ${clockTime(c.changedAt)}` : "";
  return `${name} was changed by ${c.changedBy ?? "someone"}${when}, after this list was loaded; your switch was not applied. Review the latest intent and try again.`;
}

/** One scenario: its name, the panel's intent (a switch), what is on disk, and whether they differ. */
export function ScenarioRow({ entry, labelId }: { entry: ScenarioEntry; labelId: string }) {
  const set = useSetScenario();
  const toast = useToast();
  const [error, setError] = useState<string | null>(null);
  const requested = set.isPending && set.variables ? set.variables.enabled : null;
  const { intent, runtime } = entry;

  function onChange(next: boolean) {
    setError(null);
    set.mutate(
      { name: entry.name, enabled: next, expectedVersion: intent.version },
      {
        onError: (e) => {
          const message = failureMessage(entry.name, e);
          setError(message);
          toast(message, "error");
        },
      },
    );
  }

  return (
    <tr className="border-b border-slate-100 align-middle dark:border-slate-800" data-testid={`scenario-row-${entry.name}`}>
      <th scope="row" id={labelId} className="min-w-[12rem] py-2 pr-3 font-mono text-xs font-normal break-all">
        {entry.name}
      </th>
      <td className="py-2 pr-3">
        <div className="flex items-center gap-2">
          <Switch checked={requested ?? intent.enabled} pending={set.isPending} labelledBy={labelId} onChange={onChange} />
          <span className="text-xs text-slate-500 dark:text-slate-400">
            {intent.version === 0 ? (
              "no intent recorded"
            ) : (
              <>
                v{intent.version}
                {intent.changedBy && <> · {intent.changedBy}</>}
                {intent.changedAt && (
                  <>
                    {" "}
                    <RelativeTime iso={intent.changedAt} />
                  </>
                )}
              </>
            )}
          </span>
        </div>
        {error && (
          <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
      </td>
      <td className="py-2 pr-3 text-sm" data-testid="scenario-runtime">
        {runtimeText(runtime)}
      </td>
      <td className="py-2 text-sm">
        {entry.drift && (
          <span data-testid="scenario-drift">
            <Badge tone="amber">differs</Badge>
          </span>
        )}
      </td>
    </tr>
  );
}
