import type { ScenarioEntry, ScenarioList } from "@/lib/drift/scenario-list";
import { plural } from "./drift-lines";

// Pure wording for the Scenarios tab.

/** GET /api/security/scenarios (the route drops the full name list). */
export type ScenarioListResponse = Omit<ScenarioList, "all">;

/** The Runtime column: what is on disk, never inferred from the intent. */
export function runtimeText(runtime: ScenarioEntry["runtime"]): string {
  if (runtime === null) return "unknown";
  if (!runtime.enabled) return "not enabled";
  return runtime.kind === "local" ? "enabled on disk · local file" : "enabled on disk";
}

/**
 * The count line: "112 scenarios, 40 enabled on disk, 2 differ". With a search, over what matched;
 * when the page holds fewer rows than matched, the counts say they cover the rows shown.
 */
export function scenarioCounts(list: ScenarioListResponse, q: string): string {
  const rows = list.scenarios;
  const onDisk = rows.filter((s) => s.runtime?.enabled).length;
  const differ = rows.filter((s) => s.drift).length;
  const runtimePart = list.runtime.readable ? `${onDisk} enabled on disk, ${differ} ${differ === 1 ? "differs" : "differ"}` : "runtime unknown";
  const needle = q.trim();
  const head = needle ? `${list.matched} of ${plural(list.total, "scenario")} match “${needle}”` : plural(list.total, "scenario");
  if (rows.length < list.matched) return `${head}; among the first ${rows.length} shown: ${runtimePart} (search to narrow the list)`;
  return `${head}, ${runtimePart}`;
}
