import type { RuntimeObservation } from "@/lib/engine/drivers";
import type { DriftReport } from "@/lib/drift/drift-report";
import { SURFACES } from "@/lib/drift/drift-report";
import type { BadgeTone } from "../ui/badge";
import { runtimeBadge } from "./runtime-facts";
import { plural, SURFACE_LABELS } from "./drift-lines";

// Pure: what the header's Engine and Drift pills say. Always a word beside the colour.

export interface PillState {
  word: string;
  tone: BadgeTone;
  /** The pill's hover text: the detail behind the word. */
  title: string;
}

/**
 * A snapshot older than this is "stale": the detector re-checks every surface at least once per
 * WARDEN_DRIFT_INTERVAL_MS (60 s by default) and the engine every 2 s, so five minutes means it has
 * stopped checking (schema degraded, process wedged), not that it is between two ticks.
 */
export const DRIFT_SNAPSHOT_STALE_MS = 5 * 60_000;

/**
 * The Engine pill: CrowdSec's observed runtime state, in the runtime row's words. `schemaDegraded`: the
 * panel reads nothing while its schema is degraded, so say that rather than "checking…" forever.
 */
export function enginePill(runtime: RuntimeObservation | undefined, pollError: string | null, schemaDegraded = false): PillState {
  if (schemaDegraded) {
    const title = "The panel reads no runtime state while its schema is degraded (see Migrations).";
    return runtime
      ? { word: `${runtimeBadge(runtime, null).word.toLowerCase()} (stale)`, tone: "grey", title: `${title} Last observed: ${runtime.summary}` }
      : { word: "not read", tone: "grey", title };
  }
  if (!runtime)
    return pollError
      ? { word: "unknown", tone: "grey", title: `Could not read the engine's state: ${pollError}` }
      : { word: "checking…", tone: "grey", title: "Reading the engine's state…" };
  const badge = runtimeBadge(runtime, null);
  const word = badge.word.toLowerCase();
  if (pollError) return { word: `${word} (stale)`, tone: "grey", title: `Last observed: ${runtime.summary} The latest refresh failed: ${pollError}` };
  return { word, tone: badge.tone, title: runtime.summary };
}

/**
 * The Drift pill. `fetchedAt`: when the browser received `report` (its ageMs was measured then);
 * `pollError`: the latest poll failed and `report` is the last good one.
 */
export function driftPill(report: DriftReport | undefined, opts: { pollError: string | null; fetchedAt: number; now: number }): PillState {
  if (!report)
    return opts.pollError
      ? { word: "unknown", tone: "grey", title: `Could not read the drift snapshot: ${opts.pollError}` }
      : { word: "checking…", tone: "grey", title: "Reading the drift snapshot…" };
  if (opts.pollError) return { word: "stale", tone: "grey", title: `The drift snapshot could not be refreshed: ${opts.pollError}` };
  if (report.ageMs !== null) {
    const age = report.ageMs + Math.max(0, opts.now - opts.fetchedAt);
    const staleAfter = Math.max(DRIFT_SNAPSHOT_STALE_MS, 3 * (report.intervalMs ?? 0));
    if (age > staleAfter)
      return { word: "stale", tone: "grey", title: `The drift detector last checked ${Math.round(age / 60_000)} min ago: it may have stopped.` };
  }
  const drifted = SURFACES.filter((s) => report.surfaces[s]?.verdict === "drift");
  const unverified = SURFACES.filter((s) => report.surfaces[s]?.verdict === "cannot_verify");
  const unverifiedText = unverified.length ? ` Cannot verify: ${unverified.map((s) => SURFACE_LABELS[s]).join(", ")}.` : "";
  if (drifted.length)
    return {
      word: `${plural(drifted.length, "surface")} drifted`,
      tone: "amber",
      title: `Drift: ${drifted.map((s) => SURFACE_LABELS[s]).join(", ")}.${unverifiedText}`,
    };
  if (unverified.length) return { word: "cannot verify", tone: "red", title: unverifiedText.trim() };
  const settling = SURFACES.filter((s) => report.surfaces[s]?.verdict === "settling");
  if (settling.length)
    return {
      word: "settling…",
      tone: "grey",
      title: `${settling.map((s) => SURFACE_LABELS[s]).join(", ")}: ${report.surfaces[settling[0]!]!.reason ?? "the runtime is being started or stopped"}`,
    };
  return { word: "in sync", tone: "green", title: "Every surface matches the panel's intent." };
}
