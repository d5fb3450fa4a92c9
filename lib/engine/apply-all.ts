import "server-only";
import { randomUUID } from "node:crypto";
import { appendAuditOrLog } from "../audit/append";
import type { Db } from "../db";
import { DomainError } from "../errors";
import { log } from "../log";
import type { SecurityIntent } from "../security/intent";
import type { ReloadResult } from "./crowdsec/agent-signals";
import type { ScenariosReport } from "./crowdsec/scenario-links";
import type { Engine } from "./engine";
import type { ApplyResult, RuntimeDriver } from "./drivers";
import { PROTECTIONS, type Protection } from "../security/spec/protections";
import { readIntent, type ChangeContext } from "../security/intent-store";
import type { TuningFileReport } from "./waf/driver";
import type { EdgeApplyReport } from "./edge/runtime";

// "Apply to runtime" (the drift banner's button, `npm run cli -- apply`): the engine drives every
// runtime driver to the latest intent, each protection in its own applier queue (so a toggle and an
// Apply never interleave), audited once. It does not declare the drift gone: the detector sees the
// runtime match afterwards (or not). For an external CrowdSec it changes nothing there and returns
// the commands an operator must run.

export interface ApplyReport {
  mode: "managed" | "external";
  tuningFile: TuningFileReport | null;
  scenarios: { enabled: string[]; disabled: string[]; missingFromHub: string[]; collisions?: string[] };
  reload: ReloadResult;
  /** What became of the edge (started, reloaded, unchanged, stopped), or null when it was not driven. */
  edge: EdgeApplyReport | null;
  /** What became of the CrowdSec agent (started, adopted, stopped, or why not). */
  agent?: { status: ApplyResult["status"]; summary: string };
  /** External runtime: what to run instead. */
  commands: string[];
  /** One sentence per runtime driver that failed, named. Empty when everything applied. */
  errors: string[];
  ms: number;
}

type PartOutcome = { driver: RuntimeDriver; report: unknown } | { driver: RuntimeDriver; error: string };

export async function applyAll(eng: Engine, db: Db, ctx: ChangeContext): Promise<ApplyReport> {
  const t0 = Date.now();
  const requestId = ctx.requestId ?? randomUUID();
  const first = await readIntent(db, requestId);
  const byProtection = await Promise.all(PROTECTIONS.map((p) => driveProtection(eng, db, p, first[p].version)));
  const outcomes = byProtection.flat();
  const report = summarise(first, outcomes);
  report.ms = Date.now() - t0;
  await audit(db, ctx.actor, requestId, report);
  const fields = {
    event: "runtime_applied",
    source: "lib/engine",
    mode: report.mode,
    tuningWritten: report.tuningFile?.written,
    enabled: report.scenarios.enabled.length,
    disabled: report.scenarios.disabled.length,
    reloaded: report.reload.reloaded,
    errors: report.errors,
    ms: report.ms,
    actor: ctx.actor,
    requestId,
  };
  if (report.errors.length) {
    log.warn(fields, "apply to runtime failed");
    throw new DomainError("ENGINE", report.errors.join(" "));
  }
  log.info(fields, "apply to runtime finished");
  return report;
}

/** One protection's runtime drivers, in order, inside its applier queue, on the intent read there. */
async function driveProtection(eng: Engine, db: Db, protection: Protection, version: number): Promise<PartOutcome[]> {
  const drivers = eng.runtimes.filter((d) => d.protection === protection);
  if (!drivers.length) return [];
  const applier = eng.appliers[protection];
  return applier.exclusive(async () => {
    // Read inside the queue: whatever was committed while waiting for it is what gets applied.
    const intent = await readIntent(db);
    const outcomes: PartOutcome[] = [];
    for (const driver of drivers) {
      try {
        const report = await driver.apply(intent, applier.signal);
        const failed = isApplyResult(report) && report.status === "failed" ? report.error : null;
        if (failed) outcomes.push({ driver, error: failed });
        else outcomes.push({ driver, report });
        if (isApplyResult(report) && report.status === "applied") applier.lastApplied = { version: intent[protection].version, intent: intent[protection] };
      } catch (error) {
        // Each driver is tried: a scenario link failure does not leave the tuning file unwritten.
        outcomes.push({ driver, error: (error as Error).message });
      }
    }
    return outcomes;
  }, version);
}

function isApplyResult(x: unknown): x is ApplyResult {
  return typeof x === "object" && x !== null && "status" in x && "version" in x;
}

function summarise(intent: SecurityIntent, outcomes: PartOutcome[]): ApplyReport {
  const external = intent.crowdsec.settings.mode === "external";
  const report: ApplyReport = {
    mode: external ? "external" : "managed",
    tuningFile: null,
    edge: null,
    scenarios: { enabled: [], disabled: [], missingFromHub: [], collisions: [] },
    reload: { reloaded: false },
    commands: [],
    errors: [],
    ms: 0,
  };
  for (const o of outcomes) {
    if ("error" in o) {
      report.errors.push(o.error);
      if (o.driver.surface === "engine") report.agent = { status: "failed", summary: o.error };
      continue;
    }
    switch (o.driver.surface) {
      case "engine": {
        const r = o.report as ApplyResult;
        report.agent = { status: r.status, summary: r.status === "applied" ? r.observation.summary : r.status === "not_managed" ? r.reason : r.error };
        break;
      }
      case "scenarios": {
        const r = o.report as ScenariosReport;
        report.scenarios = r.scenarios;
        report.reload = r.reload;
        report.commands.push(...r.commands);
        break;
      }
      case "appsec":
        report.tuningFile = o.report as TuningFileReport;
        break;
      case "edge":
        report.edge = o.report as EdgeApplyReport;
        break;
    }
  }
  if (external && report.tuningFile) {
    report.commands.push(
      `# WAF: load ${report.tuningFile.path} in your ModSecurity config (rendered from the panel's intent${intent.waf.enabled ? "" : "; the WAF intent is off"})`,
    );
  }
  return report;
}

async function audit(db: Db, actor: string, requestId: string, report: ApplyReport): Promise<void> {
  const error = report.errors.length ? report.errors.join(" ") : null;
  await appendAuditOrLog(
    db,
    {
      actor,
      action: "apply_runtime",
      protection: null,
      after: {
        mode: report.mode,
        tuningFile: report.tuningFile,
        edge: report.edge,
        scenarios: report.scenarios,
        reload: report.reload,
        agent: report.agent ?? null,
      },
      // Not an intent commit (no config version): the runtime was changed to match the intent.
      outcome: error ? "failed" : "applied",
      error,
      requestId,
      runtimeResult: { ms: report.ms, reload: report.reload },
    },
    "the apply",
  );
}
