"use client";

import type { SurfaceSnapshot } from "@/lib/drift/drift-report";
import { Badge, type BadgeTone } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";

// The edge's drift surface on the AppSec tab (its dot is on this tab): is the nginx the panel manages
// serving what the intent and the sites say, and if not, what differs. Read from the detector's
// snapshot, which observed the edge itself (its pid, its control listener, its files).

const VERDICT: Record<SurfaceSnapshot["verdict"], { word: string; tone: BadgeTone }> = {
  in_sync: { word: "in sync", tone: "green" },
  drift: { word: "drift", tone: "amber" },
  cannot_verify: { word: "cannot verify", tone: "red" },
  settling: { word: "settling…", tone: "grey" },
};

function facts(actual: Record<string, unknown> | null): string[] {
  if (!actual) return [];
  const out: string[] = [];
  if (actual.running === true) out.push(`running${typeof actual.pid === "number" ? ` (pid ${actual.pid})` : ""}`);
  else if (actual.running === false) out.push("not running");
  if (actual.servedGeneration !== null && actual.servedGeneration !== undefined) out.push(`serves generation ${String(actual.servedGeneration)}`);
  if (actual.writtenGeneration !== null && actual.writtenGeneration !== undefined) out.push(`generation ${String(actual.writtenGeneration)} written`);
  if (typeof actual.filesChanged === "number" && actual.filesChanged > 0) out.push(`${actual.filesChanged} file(s) changed on disk`);
  return out;
}

export function EdgePanel({ snap }: { snap: SurfaceSnapshot | undefined }) {
  const wanted = snap?.expected && typeof snap.expected.running === "boolean" ? (snap.expected.running ? "running" : "stopped (no site is enabled)") : null;
  return (
    <section aria-labelledby="edge-panel-title" data-testid="edge-panel" className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
      <h3 id="edge-panel-title" className="flex flex-wrap items-center gap-2 text-sm font-semibold">
        Edge (nginx + ModSecurity + OWASP CRS)
        {snap && <Badge tone={VERDICT[snap.verdict].tone}>{VERDICT[snap.verdict].word}</Badge>}
        {snap && (
          <span className="text-xs font-normal text-slate-500 dark:text-slate-400">
            checked <RelativeTime iso={snap.checkedAt} />
          </span>
        )}
      </h3>
      {!snap ? (
        <p className="mt-1 text-sm">Not checked yet.</p>
      ) : (
        <div className="mt-1 space-y-1 text-sm">
          {wanted && <p>The intent needs it {wanted}.</p>}
          {facts(snap.actual).length > 0 && <p data-testid="edge-facts">Observed: {facts(snap.actual).join(" · ")}.</p>}
          {snap.reason && <p>{snap.reason}</p>}
          {snap.differences.length > 0 && (
            <ul className="list-disc pl-5" data-testid="edge-differences">
              {snap.differences.map((d) => (
                <li key={`${d.item}:${d.actual}`} className="break-words">
                  {d.item}: expected {d.expected}, found {d.actual}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
