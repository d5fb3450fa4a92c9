import "server-only";
import { z } from "zod";
import type { Db } from "../db";
import type { CrowdsecRuntimeSettings } from "../engine/crowdsec/settings";
import { DomainError, MalformedRequestError } from "../errors";
import { listScenarioIntents } from "../security/scenario-intent";
import { readIntent } from "../security/intent-store";
import { ensureScenarioAdoption } from "../engine/crowdsec/adoption";
import { scenarioDirs } from "../engine/crowdsec/scenario-links";
import { readHubScenarios } from "../engine/crowdsec/hub-index";
import { readRuntimeScenarios } from "../engine/crowdsec/scenario-files";

// The Scenarios tab: every scenario available to the runtime (its hub, plus local items enabled on
// disk, plus any name with an intent row), with the panel's intent beside the runtime's state.

export const SCENARIO_PAGE_MAX = 500;

export const ZScenarioQuery = z
  .object({
    q: z.string().max(200, "q must be at most 200 characters").optional(),
    limit: z.coerce.number().int().min(1).max(SCENARIO_PAGE_MAX).default(SCENARIO_PAGE_MAX),
  })
  .strict();

export interface ScenarioEntry {
  name: string;
  /** The panel's intent; `version` 0 = no row yet (intended disabled). */
  intent: { enabled: boolean; version: number; changedBy: string | null; changedAt: string | null };
  /** On disk in the runtime's config dir; null when the runtime cannot be read. */
  runtime: { enabled: boolean; kind: "hub" | "local" | null } | null;
  drift: boolean;
}

export interface ScenarioList {
  scenarios: ScenarioEntry[];
  /** Every name (not sent to the browser: the route drops it). */
  all: string[];
  total: number;
  matched: number;
  runtime: { readable: true; dir: string; problems: string[] } | { readable: false; reason: string };
}

export function parseScenarioQuery(params: Record<string, string>): z.infer<typeof ZScenarioQuery> {
  const parsed = ZScenarioQuery.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedRequestError(issue ? `${issue.path.join(".") || "query"}: ${issue.message}` : "The query is malformed");
  }
  return parsed.data;
}

export async function listScenarios(db: Db, s: CrowdsecRuntimeSettings, query: z.infer<typeof ZScenarioQuery>): Promise<ScenarioList> {
  const intent = await readIntent(db);
  const rows = new Map((await listScenarioIntents(db)).map((r) => [r.name, r]));
  const dirs = scenarioDirs(s, intent);
  let runtime: ScenarioList["runtime"];
  let onDisk: Map<string, { kind: "hub" | "local" }> | null = null;
  let hub: string[] = [];
  if ("reason" in dirs) runtime = { readable: false, reason: dirs.reason };
  else {
    const r = readRuntimeScenarios(dirs.scenarios, dirs.hub);
    hub = readHubScenarios(dirs.hub);
    if (r.ok) {
      onDisk = r.enabled;
      runtime = { readable: true, dir: dirs.scenarios, problems: r.problems.slice(0, 20) };
    } else runtime = { readable: false, reason: r.reason };
  }
  const names = new Set<string>([...hub, ...(onDisk?.keys() ?? []), ...rows.keys()]);
  const needle = query.q?.trim().toLowerCase();
  const all = [...names].sort();
  const matched = needle ? all.filter((n) => n.toLowerCase().includes(needle)) : all;
  const scenarios = matched.slice(0, query.limit).map((name): ScenarioEntry => {
    const row = rows.get(name);
    const wanted = row?.enabled ?? false;
    const disk = onDisk ? { enabled: onDisk.has(name), kind: onDisk.get(name)?.kind ?? null } : null;
    return {
      name,
      intent: { enabled: wanted, version: row?.version ?? 0, changedBy: row?.changedBy ?? null, changedAt: row?.changedAt ?? null },
      runtime: disk,
      drift: disk !== null && disk.enabled !== wanted,
    };
  });
  return { scenarios, all, total: all.length, matched: matched.length, runtime };
}

/**
 * Before a scenario switch: first init if it has not happened (so the switch never becomes the only
 * intent row, with every other enabled scenario read as "intended off"), then the names a switch may
 * name (hub, on disk, or with an intent row).
 */
export async function prepareScenarioSwitch(db: Db, s: CrowdsecRuntimeSettings): Promise<Set<string>> {
  const intent = await readIntent(db);
  const dirs = scenarioDirs(s, intent);
  if ("reason" in dirs) throw new DomainError("ENGINE", `Scenario switches need the runtime's scenarios: ${dirs.reason}`);
  const runtime = readRuntimeScenarios(dirs.scenarios, dirs.hub);
  if (!runtime.ok) throw new DomainError("ENGINE", `Scenario switches need the runtime's scenarios: ${runtime.reason}`);
  if (!(await ensureScenarioAdoption(db, s, intent, runtime))) {
    throw new DomainError("ENGINE", "The managed CrowdSec instance is incomplete; run `npm run cli -- crowdsec:init`.");
  }
  const list = await listScenarios(db, s, { limit: SCENARIO_PAGE_MAX });
  return new Set(list.all);
}
