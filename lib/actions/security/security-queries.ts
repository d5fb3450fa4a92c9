import "server-only";
import { listAudit, parseAuditQuery, type AuditPage } from "../../audit/list";
import { db } from "../../db";
import { driftReport } from "../../drift/running-detector";
import { listScenarios, parseScenarioQuery, type ScenarioList } from "../../drift/scenario-list";
import type { DriftReport } from "../../drift/drift-report";
import { engine, engineCrowdsecSettings, observeAll } from "../../engine/engine";
import type { RuntimeObservation } from "../../engine/drivers";
import type { SecurityIntent } from "../../security/intent";
import type { Protection } from "../../security/spec";
import { readIntent } from "../../security/intent-store";
import { pageData } from "../page-data";

// The security area's read queries, for its page and its GET routes (the browser polls them).

/** Intent and runtime side by side: two separate facts, never one inferred from the other. */
export interface SecurityStatus {
  intent: SecurityIntent;
  runtime: Record<Protection, RuntimeObservation>;
  checkedAt: string;
}

export async function getSecurityStatus(): Promise<SecurityStatus> {
  const [intent, runtime] = await Promise.all([readIntent(db()), observeAll(engine())]);
  return { intent, runtime, checkedAt: new Date().toISOString() };
}

/** The detector's cached snapshot with its age: never recomputed on the request path. */
export function currentDrift(): Promise<DriftReport> {
  return driftReport();
}

/** The security page's first paint: the current status and the drift snapshot (then the client polls both). */
export function securityPageData() {
  return pageData(async () => {
    const [status, drift] = await Promise.all([getSecurityStatus(), driftReport()]);
    return { status, drift };
  });
}

/** Every scenario the runtime offers, the panel's intent beside what is enabled on disk; `q` filters. */
export async function scenarioList(params: Record<string, string>): Promise<Omit<ScenarioList, "all">> {
  const query = parseScenarioQuery(params);
  const { all: _all, ...list } = await listScenarios(db(), engineCrowdsecSettings(), query);
  return list;
}

/** One page of the audit log, by the query string's filters. */
export function auditPage(params: Record<string, string | undefined>): Promise<AuditPage> {
  return listAudit(db(), parseAuditQuery(params));
}
