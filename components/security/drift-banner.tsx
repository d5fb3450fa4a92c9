"use client";

import { useState } from "react";
import type { DriftReport, Surface } from "@/lib/drift/drift-report";
import { useApplyRuntime } from "../hooks/use-apply-runtime";
import { useRepairMirror } from "../hooks/use-repair-mirror";
import { useDrift } from "../hooks/use-drift";
import { ActionFailure } from "../hooks/use-protection-mutation";
import { useSecurityStatus } from "../hooks/use-security-status";
import { clockTime, RelativeTime } from "../ui/relative-time";
import { useToast } from "../ui/toast";
import { ApplyResult } from "./apply-result";
import { applyCanHelp, plural, SURFACE_LABELS, surfaceLines, surfacesNeedingAttention } from "./drift-lines";
import { useStaleReport } from "../ui/stale-notice";

/**
 * The top of /security whenever a surface drifts or cannot be verified: what differs, surface by
 * surface, since when and when it was last checked, and the remedy. It is driven by the detector's
 * snapshot only: Apply does not hide it; the next snapshot that says "in sync" does.
 */
export function DriftBanner() {
  const drift = useDrift();
  const apply = useApplyRuntime();
  const toast = useToast();
  const report = drift.data;
  const surfaces = surfacesNeedingAttention(report);
  // An Apply's outcome belongs to the drift it was pressed for. Once the runtime matched (the
  // banner cleared), it is settled: a success stays below as a confirmation until dismissed, and a
  // later, new drift opens a banner without it. (State adjusted during render: no effect, no flash.)
  const [settledAt, setSettledAt] = useState(0);
  if (report && surfaces.length === 0 && !apply.isPending && apply.submittedAt > settledAt) setSettledAt(apply.submittedAt);
  const forThisDrift = apply.submittedAt > settledAt;
  const pollError = drift.isError && report ? drift.error.message : null;
  // Inside a view with one stale notice (/security), the banner reports there instead of saying it again.
  const reported = useStaleReport("drift", "drift status", drift);
  const staleNotice =
    pollError && !reported ? (
      <p data-testid="drift-stale" className="text-sm font-medium text-amber-800 dark:text-amber-200">
        Drift status stale since {clockTime(new Date(drift.dataUpdatedAt).toISOString())}: {pollError}
      </p>
    ) : null;

  if (!report || surfaces.length === 0) {
    // In sync (or not loaded yet): the result of an Apply that got it there stays until dismissed.
    const confirmation = forThisDrift ? null : (apply.data ?? null);
    if (!confirmation && !staleNotice) return null;
    return (
      <div className="space-y-2">
        {staleNotice && (
          <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-3 dark:border-amber-800 dark:bg-amber-950">
            {staleNotice}
          </div>
        )}
        {confirmation && (
          <div
            role="status"
            className="flex items-start justify-between gap-3 rounded-lg border border-emerald-300 bg-emerald-50 p-3 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
          >
            <ApplyResult report={confirmation} settled />
            <button type="button" onClick={() => apply.reset()} className="shrink-0 rounded border border-current px-2 py-0.5 text-xs">
              Dismiss
            </button>
          </div>
        )}
      </div>
    );
  }

  const drifting = surfaces.filter((s) => report.surfaces[s].verdict === "drift");
  const title = drifting.length ? "Configuration drift detected" : "Drift cannot be verified";
  const summary = driftSummary(drifting);

  function onApply() {
    apply.mutate(undefined, {
      onSuccess: () => toast("Applied to runtime; checking the result…", "success"),
      onError: (error) =>
        toast(
          error instanceof ActionFailure ? `Apply to runtime failed: ${error.message}` : `Apply to runtime did not reach the server (${error.message}).`,
          "error",
        ),
    });
  }

  return (
    <section
      data-testid="drift-banner"
      aria-labelledby="drift-banner-title"
      className={`space-y-3 rounded-lg border p-4 ${
        drifting.length
          ? "border-amber-400 bg-amber-50 text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
          : "border-red-400 bg-red-50 text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
      }`}
    >
      {/* Only the heading and the summary are the live region: the times below tick every second. */}
      <div role="alert">
        <h2 id="drift-banner-title" className="text-base font-semibold">
          {title}
        </h2>
        <p className="text-sm">{summary}</p>
      </div>
      <ul className="space-y-3">
        {surfaces.map((s) => (
          <SurfaceItem key={s} surface={s} report={report} />
        ))}
      </ul>
      {staleNotice}
      <ApplySection report={report} apply={apply} forThisDrift={forThisDrift} onApply={onApply} />
    </section>
  );
}

/** One sentence per kind of disagreement: the runtime against the intent, or the two stored copies. */
function driftSummary(drifting: Surface[]): string {
  if (!drifting.length) return "Warden could not observe part of the runtime, so it cannot say whether it matches the panel's intent.";
  const runtime = drifting.filter((s) => s !== "store");
  return [
    runtime.length ? `The runtime does not match the panel's intent on ${plural(runtime.length, "surface")}.` : null,
    drifting.includes("store") ? "The two stored copies of the security settings disagree: the security config and its settings mirror." : null,
  ]
    .filter(Boolean)
    .join(" ");
}

function SurfaceItem({ surface, report }: { surface: Surface; report: DriftReport }) {
  const snap = report.surfaces[surface];
  const { shown, more } = surfaceLines(snap);
  const unverified = snap.verdict === "cannot_verify";
  return (
    <li data-testid={`drift-surface-${surface}`} className="text-sm">
      <div className="flex flex-wrap items-baseline gap-x-2">
        <h3 className="font-semibold">
          {SURFACE_LABELS[surface]}
          {unverified && <span className="ml-1 font-normal">(cannot verify)</span>}
        </h3>
        <span className="text-xs opacity-80">
          {snap.since && (
            <>
              since <RelativeTime iso={snap.since} /> ·{" "}
            </>
          )}
          last checked <RelativeTime iso={snap.checkedAt} />
        </span>
      </div>
      <ul className="mt-1 list-disc space-y-0.5 pl-5">
        {shown.map((line) => (
          <li key={line} className="break-words">
            {line}
          </li>
        ))}
        {more > 0 && (
          <li>
            and {more} more{surface === "scenarios" ? " (all of them are on the Scenarios tab)" : ""}
          </li>
        )}
      </ul>
      {surface === "engine" && snap.verdict === "drift" && (
        <p className="mt-1 text-xs">Apply to runtime does not start or stop the agent: use the CrowdSec switch on the Overview tab.</p>
      )}
      {surface === "store" && snap.verdict === "drift" && <StoreRemedy missingRow={snap.differences.some((d) => d.item === "security config row")} />}
    </li>
  );
}

function ApplySection({
  report,
  apply,
  forThisDrift,
  onApply,
}: {
  report: DriftReport;
  apply: ReturnType<typeof useApplyRuntime>;
  /** The latest Apply was pressed for the drift shown (not an earlier, settled one). */
  forThisDrift: boolean;
  onApply: () => void;
}) {
  const result = forThisDrift ? apply.data : undefined;
  const error = forThisDrift ? apply.error : null;
  const status = useSecurityStatus();
  const external = status.data?.intent.crowdsec.settings.mode === "external";
  if (!applyCanHelp(report) && !result && !error) return null;
  return (
    <div className="space-y-2 border-t border-current/20 pt-3">
      {applyCanHelp(report) && (
        <div className="flex flex-wrap items-center gap-3">
          <button
            type="button"
            data-testid="drift-apply"
            onClick={onApply}
            disabled={apply.isPending}
            aria-busy={apply.isPending}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:cursor-wait disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
          >
            {apply.isPending ? "Applying…" : "Apply to runtime"}
          </button>
          <span className="text-xs">
            {external
              ? "CrowdSec runs externally: Apply writes the WAF tuning file and lists the commands to run on the CrowdSec host."
              : "Brings every runtime to the panel's intent: the CrowdSec agent, its scenario links (then reloads it) and the WAF tuning file."}
          </span>
        </div>
      )}
      {error && (
        <p role="alert" data-testid="drift-apply-error" className="text-sm font-medium text-red-800 dark:text-red-300">
          Apply to runtime failed: {error.message}
        </p>
      )}
      {result && !apply.isPending && (
        <div className="rounded-md bg-white/60 p-2 dark:bg-black/20">
          <ApplyResult report={result} settled={false} />
          <p className="mt-1 text-xs">This banner clears when the detector sees the runtime match the intent.</p>
        </div>
      )}
    </div>
  );
}

/**
 * Store drift is not about the runtime: the security config (what the panel enforces) and its copy in
 * the settings table disagree. The config is authoritative, so the remedy rewrites the copy.
 */
function StoreRemedy({ missingRow }: { missingRow: boolean }) {
  const repair = useRepairMirror();
  const toast = useToast();
  if (missingRow) {
    return (
      <p className="mt-1 text-xs">
        The security config row is missing: the panel recreates it from the settings mirror the next time it reads it (reload this page), with an audit row
        saying so.
      </p>
    );
  }
  return (
    <div className="mt-2 flex flex-wrap items-center gap-3">
      <button
        type="button"
        data-testid="drift-repair-mirror"
        disabled={repair.isPending}
        aria-busy={repair.isPending}
        onClick={() =>
          repair.mutate(undefined, {
            onSuccess: (r) => toast(`Settings mirror rewritten from the security config (${plural(r.rewritten.length, "key")}).`, "success"),
            onError: (error) => toast(`Rewriting the mirror failed: ${error.message}`, "error"),
          })
        }
        className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:cursor-wait disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
      >
        {repair.isPending ? "Rewriting…" : "Rewrite the mirror from the config"}
      </button>
      <span className="text-xs">
        The security config is what the panel enforces; the settings mirror is its copy for tools that read the settings table. Any change saved on the Overview
        tab also rewrites that protection&apos;s keys.
      </span>
      {repair.error && (
        <p role="alert" className="w-full text-sm font-medium text-red-800 dark:text-red-300">
          Rewriting the mirror failed: {repair.error.message}
        </p>
      )}
    </div>
  );
}
