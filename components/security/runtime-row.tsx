"use client";

import type { RuntimeObservation } from "@/lib/engine/drivers";
import { useNow } from "../hooks/use-now";
import { Badge } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";
import { runtimeBadge, runtimeFacts, type RuntimeFact, type RuntimeTransition } from "./runtime-facts";

function Fact({ fact }: { fact: RuntimeFact }) {
  if (fact.kind === "pid") {
    return (
      <span>
        pid <span data-testid="runtime-pid">{fact.pid}</span>
      </span>
    );
  }
  if (fact.kind === "uptime") {
    return (
      <time dateTime={fact.startedAt} title={`started ${new Date(fact.startedAt).toLocaleString()}`}>
        {fact.text}
      </time>
    );
  }
  return <span title={fact.title}>{fact.text}</span>;
}

/**
 * What was observed of the runtime: never derived from the intent row above it. `transition` is a
 * toggle of this card in flight (it can take ~30 s while an agent starts): the badge says
 * Starting…/Stopping… and still names the state last observed.
 */
export function RuntimeRow({ runtime, transition = null }: { runtime: RuntimeObservation; transition?: RuntimeTransition | null }) {
  const now = useNow();
  const badge = runtimeBadge(runtime, transition);
  const facts = runtimeFacts(runtime, now);
  return (
    <div className="grid grid-cols-[5.5rem_1fr] gap-2 text-sm" data-testid="runtime-row">
      <dt className="font-medium text-slate-500 dark:text-slate-400">Runtime</dt>
      <dd className="min-w-0 space-y-1">
        <div className="flex flex-wrap items-center gap-2">
          {/* Announced when it changes (Starting… → Running) so a screen reader hears the outcome. */}
          <span data-testid="runtime-state" aria-live="polite">
            <Badge tone={badge.tone}>{badge.word}</Badge>
          </span>
          {badge.observed && <span className="text-xs text-slate-600 dark:text-slate-300">last observed: {badge.observed}</span>}
          <span className="text-xs text-slate-500 dark:text-slate-400">
            observed <RelativeTime iso={runtime.observedAt} />
          </span>
        </div>
        {facts.length > 0 && (
          // A list: a screen reader reads each fact on its own ("LAPI ready", "7 ms", "v1.4.6"), not run together.
          <ul data-testid="runtime-facts" aria-label="Observed facts" className="flex flex-wrap break-words tabular-nums text-slate-700 dark:text-slate-300">
            {facts.map((fact, i) => (
              <li key={i}>
                {i > 0 && <span aria-hidden="true"> · </span>}
                <Fact fact={fact} />
              </li>
            ))}
          </ul>
        )}
        <p data-testid="runtime-summary" className="break-words">
          {runtime.summary}
        </p>
        {runtime.logTail && runtime.logTail.length > 0 && (
          <pre
            data-testid="runtime-log"
            // Focusable so a keyboard user can scroll it; labelled so a screen reader says what it is.
            tabIndex={0}
            aria-label={`Last ${runtime.logTail.length} log lines`}
            className="max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 font-mono text-xs text-slate-800 dark:bg-slate-950 dark:text-slate-200"
          >
            {runtime.logTail.join("\n")}
          </pre>
        )}
      </dd>
    </div>
  );
}
