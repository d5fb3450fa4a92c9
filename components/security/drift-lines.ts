import type { ApplyReport } from "@/lib/engine/apply-all";
import { plural } from "@/lib/plural";
import { storeBanner } from "@/lib/drift/surfaces/store-surface";
import { SURFACE_TAB, SURFACES, type Difference, type DriftReport, type DriftTab, type Surface, type SurfaceSnapshot } from "@/lib/drift/drift-report";

// Pure wording for the drift banner: what differs, surface by surface, in one line each.

export const SURFACE_LABELS: Record<Surface, string> = {
  engine: "CrowdSec engine",
  scenarios: "Scenarios",
  appsec: "WAF tuning file",
  edge: "Edge (nginx)",
  blocklist: "Edge blocklist (CrowdSec decisions)",
  store: "Stored configuration",
};

/**
 * Lines shown per surface before "and N more": a scenario drift can be hundreds of items, and the
 * banner must stay one screen; the Scenarios tab lists every one.
 */
export const MAX_BANNER_LINES = 8;

/** Surfaces that need a look (drift or cannot verify), in SURFACES order; a settling runtime does not. */
export function surfacesNeedingAttention(report: Pick<DriftReport, "surfaces"> | undefined): Surface[] {
  if (!report) return [];
  return SURFACES.filter((s) => report.surfaces[s] && (report.surfaces[s].verdict === "drift" || report.surfaces[s].verdict === "cannot_verify"));
}

/** One difference worded for the banner, e.g. "scenario crowdsecurity/ssh-bf — panel: disabled, runtime: enabled". */
export function differenceLine(surface: Surface, d: Difference): string {
  switch (surface) {
    case "scenarios":
      return `${d.item} — panel: ${d.expected}, runtime: ${d.actual}`;
    case "appsec":
      return `${d.item} — panel ${d.expected}, runtime ${d.actual}`;
    case "engine":
      return `${d.item} — ${d.expected}, ${d.actual}`;
    case "edge":
    case "blocklist":
      return `${d.item} — expected ${d.expected}, found ${d.actual}`;
    case "store":
      return `${d.item} — config: ${d.expected}, mirror: ${d.actual}`;
  }
}

/** The first `max` lines and how many were left out. */
export function capLines(lines: readonly string[], max = MAX_BANNER_LINES): { shown: string[]; more: number } {
  if (lines.length <= max) return { shown: [...lines], more: 0 };
  return { shown: lines.slice(0, max), more: lines.length - max };
}

/** What the banner says about one surface: its lines (capped) and how many more there are. */
export function surfaceLines(
  snapshot: Pick<SurfaceSnapshot, "surface" | "verdict" | "differences" | "reason">,
  max = MAX_BANNER_LINES,
): { shown: string[]; more: number } {
  if (snapshot.verdict === "in_sync") return { shown: [], more: 0 };
  if (snapshot.verdict === "settling") return { shown: [`settling: ${snapshot.reason ?? "the runtime is being started or stopped"}`], more: 0 };
  if (snapshot.verdict === "cannot_verify") return { shown: [`cannot verify: ${snapshot.reason ?? "no reason was recorded"}`], more: 0 };
  // The store's keys are already capped and counted in its one line.
  if (snapshot.surface === "store") return { shown: [storeBanner(snapshot) ?? "settings mirror disagrees with security config"], more: 0 };
  if (snapshot.differences.length === 0) return { shown: ["differs from the panel's intent (no detail was recorded)"], more: 0 };
  return capLines(
    snapshot.differences.map((d) => differenceLine(snapshot.surface, d)),
    max,
  );
}

export { plural };

function names(list: readonly string[], max = 5): string {
  const shown = list.slice(0, max).join(", ");
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}

const EDGE_ACTIONS: Record<NonNullable<ApplyReport["edge"]>["action"], string> = {
  started: "Edge started",
  reloaded: "Edge reloaded",
  unchanged: "Edge already served the intent",
  stopped: "Edge stopped (no site is enabled)",
  not_running: "Edge not needed (no site is enabled)",
};

function edgeSentence(edge: NonNullable<ApplyReport["edge"]>): string {
  const generation = edge.generation === null ? "" : `: generation ${edge.generation}`;
  return `${EDGE_ACTIONS[edge.action]}${generation}.`;
}

/** What an Apply did, one sentence per part, for the banner's result line. */
export function applySummary(report: ApplyReport): string[] {
  const lines: string[] = [];
  if (report.agent)
    lines.push(report.agent.status === "failed" ? `CrowdSec could not be brought to the intent: ${report.agent.summary}` : `CrowdSec: ${report.agent.summary}`);
  if (report.tuningFile) {
    lines.push(
      report.tuningFile.written ? `WAF tuning file written: ${report.tuningFile.path}.` : `WAF tuning file already matched: ${report.tuningFile.path}.`,
    );
  }
  if (report.edge) lines.push(edgeSentence(report.edge));
  if (report.mode === "external") {
    lines.push("CrowdSec runs externally: Warden changed nothing there. Run the commands below on its host.");
    return lines;
  }
  const { enabled, disabled, missingFromHub } = report.scenarios;
  if (disabled.length) lines.push(`Disabled ${plural(disabled.length, "scenario")}: ${names(disabled)}.`);
  if (enabled.length) lines.push(`Enabled ${plural(enabled.length, "scenario")}: ${names(enabled)}.`);
  if (missingFromHub.length) lines.push(`Left alone (not in the hub): ${names(missingFromHub)}.`);
  if (!disabled.length && !enabled.length && !missingFromHub.length) lines.push("No scenario link needed a change.");
  const r = report.reload;
  if (r.reloaded) {
    const loaded = r.scenariosLoaded === undefined ? "" : `, ${plural(r.scenariosLoaded, "scenario")} loaded`;
    lines.push(`CrowdSec reloaded in ${r.ms ?? "?"} ms${loaded}.`);
  } else {
    lines.push(`CrowdSec not reloaded: ${r.reason ?? "no reason given"}.`);
  }
  return lines;
}

/** What a tab's dot says: drift wins over cannot verify; null when every surface on it is in sync. */
export function tabVerdict(report: Pick<DriftReport, "surfaces"> | undefined, tab: DriftTab): "drift" | "cannot_verify" | null {
  if (!report) return null;
  const verdicts = SURFACES.filter((s) => SURFACE_TAB[s] === tab).map((s) => report.surfaces[s]?.verdict);
  if (verdicts.includes("drift")) return "drift";
  if (verdicts.includes("cannot_verify")) return "cannot_verify";
  return null;
}

/**
 * Whether Apply to runtime can help: it drives the CrowdSec agent to the intent, rewrites the scenario
 * links and the tuning file, and re-renders and reloads the edge. It does not rewrite the settings mirror
 * (store: the banner has its own remedy).
 */
export function applyCanHelp(report: Pick<DriftReport, "surfaces"> | undefined): boolean {
  if (!report) return false;
  const engine = report.surfaces.engine?.verdict;
  const scenarios = report.surfaces.scenarios?.verdict;
  const appsec = report.surfaces.appsec?.verdict;
  const edge = report.surfaces.edge?.verdict;
  return engine === "drift" || scenarios === "drift" || edge === "drift" || (appsec !== undefined && appsec !== "in_sync");
}
