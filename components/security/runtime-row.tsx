import type { RuntimeObservation } from "@/lib/engine/types";
import { Badge, type BadgeTone } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";

const STATE: Record<RuntimeObservation["state"], { word: string; tone: BadgeTone }> = {
  running: { word: "Running", tone: "green" },
  stopped: { word: "Stopped", tone: "grey" },
  starting: { word: "Starting…", tone: "blue" },
  stopping: { word: "Stopping…", tone: "blue" },
  failed: { word: "Failed", tone: "red" },
  external: { word: "External", tone: "blue" },
  not_installed: { word: "Not installed", tone: "amber" },
  unmanaged: { word: "Not managed", tone: "grey" },
};

/** What was observed of the runtime: never derived from the intent row above it. */
export function RuntimeRow({ runtime }: { runtime: RuntimeObservation }) {
  const state = STATE[runtime.state];
  return (
    <div className="grid grid-cols-[5.5rem_1fr] gap-2 text-sm" data-testid="runtime-row">
      <dt className="font-medium text-slate-500 dark:text-slate-400">Runtime</dt>
      <dd className="space-y-1">
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone={state.tone}>{state.word}</Badge>
          <span className="text-xs text-slate-500 dark:text-slate-400">
            observed <RelativeTime iso={runtime.observedAt} />
          </span>
        </div>
        <p>{runtime.summary}</p>
        {runtime.logTail && runtime.logTail.length > 0 && (
          <pre className="max-h-32 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">{runtime.logTail.join("\n")}</pre>
        )}
      </dd>
    </div>
  );
}
