import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Db } from "../db";
import { findRunningAgent } from "../engine/crowdsec/agent";
import { withInstanceLock } from "../engine/crowdsec/lock";
import { isInstanceAgent } from "../engine/crowdsec/proc";
import { instancePaths, type CrowdsecRuntimeSettings } from "../engine/crowdsec/settings";
import { DomainError } from "../errors";
import { log } from "../log";
import type { SecurityIntent } from "../security/intent";
import type { WafSettings } from "../security/protections";
import { scenarioIntentMap } from "../security/scenarios";
import { readIntent, type ChangeContext } from "../security/store";
import { scenarioDirs } from "./runtime-paths";
import type { DriftSettings } from "./settings";
import { renderTuningFile } from "./surfaces/secaction";
import { hubLinkTarget, linkPathFor, readRuntimeScenarios } from "./surfaces/scenarios";

// "Apply to runtime" (issue 6): make the runtime match the intent, for the managed instance:
// the WAF tuning file rendered from the intent, scenario links added/removed in the instance's
// config dir, the agent reloaded (SIGHUP, confirmed by its log). Audited. It does not declare the
// drift gone: the detector sees the runtime match afterwards (or not). For an external runtime it
// changes nothing and returns the commands an operator must run.

export interface ApplyReport {
  mode: "managed" | "external";
  tuningFile: { path: string; written: boolean } | null;
  scenarios: { enabled: string[]; disabled: string[]; missingFromHub: string[] };
  reload: { reloaded: boolean; ms?: number; scenariosLoaded?: number; reason?: string };
  /** External runtime: what to run instead. */
  commands: string[];
  ms: number;
}

const RELOAD_TIMEOUT_MS = 20_000;
/** Local (regular-file) scenarios the intent disables are moved here, not deleted (reversible). */
const DISABLED_DIR = "scenarios.disabled-by-warden";

export function writeTuningFile(file: string, settings: WafSettings): boolean {
  const content = renderTuningFile(settings);
  let current: string | null = null;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = null;
  }
  if (current !== null && sameIgnoringHeader(current, content)) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, file);
  return true;
}

function sameIgnoringHeader(a: string, b: string): boolean {
  const body = (t: string) => t.split("\n").filter((l) => !l.startsWith("#")).join("\n").trim();
  return body(a) === body(b);
}

export async function applyToRuntime(
  db: Db,
  crowdsec: CrowdsecRuntimeSettings,
  drift: DriftSettings,
  ctx: ChangeContext,
): Promise<ApplyReport> {
  const t0 = Date.now();
  const requestId = ctx.requestId ?? randomUUID();
  const intent = await readIntent(db, requestId);
  const wanted = await scenarioIntentMap(db);
  const external = intent.crowdsec.settings.mode === "external";
  const report: ApplyReport = {
    mode: external ? "external" : "managed",
    tuningFile: null,
    scenarios: { enabled: [], disabled: [], missingFromHub: [] },
    reload: { reloaded: false },
    commands: [],
    ms: 0,
  };
  try {
    report.tuningFile = { path: drift.tuningFile, written: writeTuningFile(drift.tuningFile, intent.waf.settings) };
    if (external) {
      report.commands = externalCommands(intent, wanted, drift);
    } else {
      await withInstanceLock(crowdsec, () => applyScenarios(crowdsec, intent, wanted, report), { holder: `apply to runtime (pid ${process.pid})` });
    }
  } catch (error) {
    report.ms = Date.now() - t0;
    await audit(db, ctx.actor, requestId, report, (error as Error).message);
    throw error;
  }
  report.ms = Date.now() - t0;
  await audit(db, ctx.actor, requestId, report, null);
  log.info(
    {
      event: "runtime_applied",
      source: "lib/drift",
      mode: report.mode,
      tuningWritten: report.tuningFile?.written,
      enabled: report.scenarios.enabled.length,
      disabled: report.scenarios.disabled.length,
      reloaded: report.reload.reloaded,
      ms: report.ms,
      actor: ctx.actor,
      requestId,
    },
    "apply to runtime finished",
  );
  return report;
}

async function applyScenarios(s: CrowdsecRuntimeSettings, intent: SecurityIntent, wanted: Map<string, boolean>, report: ApplyReport): Promise<void> {
  const dirs = scenarioDirs(s, intent);
  if ("reason" in dirs) throw new DomainError("ENGINE", `Cannot apply scenarios: ${dirs.reason}`);
  const runtime = readRuntimeScenarios(dirs.scenarios, dirs.hub);
  if (!runtime.ok) throw new DomainError("ENGINE", `Cannot apply scenarios: ${runtime.reason}`);
  const p = instancePaths(s);
  for (const [name, item] of runtime.enabled) {
    if (wanted.get(name) === true) continue;
    if (item.kind === "hub") {
      unlinkSync(item.file);
    } else {
      // A local file may define other buckets the intent still wants: move it only if none are.
      const siblings = [...runtime.enabled].filter(([, other]) => other.file === item.file).map(([n]) => n);
      if (siblings.some((n) => wanted.get(n) === true)) continue;
      if (!existsSync(item.file)) continue;
      mkdirSync(path.join(p.etc, DISABLED_DIR), { recursive: true });
      renameSync(item.file, path.join(p.etc, DISABLED_DIR, path.basename(item.file)));
    }
    report.scenarios.disabled.push(name);
  }
  for (const [name, enabled] of wanted) {
    if (!enabled || runtime.enabled.has(name)) continue;
    const target = hubLinkTarget(dirs.hub, name);
    if (!existsSync(target)) {
      report.scenarios.missingFromHub.push(name);
      continue;
    }
    const link = linkPathFor(dirs.scenarios, name);
    try {
      if (lstatSync(link)) unlinkSync(link); // a dangling or foreign link with the same file name
    } catch {
      /* absent */
    }
    symlinkSync(target, link);
    report.scenarios.enabled.push(name);
  }
  report.scenarios.enabled.sort();
  report.scenarios.disabled.sort();
  if (report.scenarios.missingFromHub.length) {
    log.warn({ event: "scenarios_missing_from_hub", source: "lib/drift", scenarios: report.scenarios.missingFromHub }, "intent enables scenarios the hub does not offer: left alone");
  }
  const changed = report.scenarios.enabled.length + report.scenarios.disabled.length > 0;
  const running = findRunningAgent(s);
  if (!running) {
    report.reload = { reloaded: false, reason: "the agent is not running: it loads the files at its next start" };
  } else if (!changed) {
    report.reload = { reloaded: false, reason: "no scenario changed" };
  } else {
    report.reload = await reloadAgent(s, running.pid);
  }
}

/** SIGHUP, then wait for the agent's log to say the reload finished (and how many scenarios it loaded). */
async function reloadAgent(s: CrowdsecRuntimeSettings, pid: number): Promise<ApplyReport["reload"]> {
  if (!isInstanceAgent(pid, s)) return { reloaded: false, reason: `pid ${pid} is not this instance's agent` };
  const logFile = instancePaths(s).agentLog;
  const offset = sizeOf(logFile);
  const t0 = Date.now();
  process.kill(pid, "SIGHUP");
  while (Date.now() - t0 < RELOAD_TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 50));
    const tail = readFrom(logFile, offset);
    if (tail.includes("Reload is finished")) {
      const loaded = [...tail.matchAll(/Loaded (\d+) scenarios/g)].at(-1);
      return { reloaded: true, ms: Date.now() - t0, scenariosLoaded: loaded ? Number(loaded[1]) : undefined };
    }
    if (!isInstanceAgent(pid, s)) return { reloaded: false, reason: "the agent exited during the reload (see its log)" };
  }
  throw new DomainError("ENGINE", `The agent did not confirm the reload within ${RELOAD_TIMEOUT_MS / 1000} s.`);
}

function sizeOf(file: string): number {
  try {
    return lstatSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString("utf8");
  } catch {
    return "";
  }
}

function externalCommands(intent: SecurityIntent, wanted: Map<string, boolean>, drift: DriftSettings): string[] {
  const commands: string[] = [];
  const dirs = process.env.CROWDSEC_EXTERNAL_CONFIG_DIR;
  for (const [name, enabled] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    commands.push(enabled ? `cscli scenarios install ${name}` : `cscli scenarios remove ${name}`);
  }
  commands.push("systemctl reload crowdsec   # or: kill -HUP <crowdsec pid>");
  commands.push(`# WAF: load ${drift.tuningFile} in your ModSecurity config (rendered from the panel's intent${intent.waf.enabled ? "" : "; the WAF intent is off"})`);
  if (!dirs) commands.unshift("# set CROWDSEC_EXTERNAL_CONFIG_DIR so Warden can verify the result");
  return commands;
}

async function audit(db: Db, actor: string, requestId: string, report: ApplyReport, error: string | null): Promise<void> {
  try {
    await db.securityAudit.create({
      data: {
        actor,
        action: "apply_runtime",
        protection: null,
        before: null,
        after: JSON.stringify({ mode: report.mode, tuningFile: report.tuningFile, scenarios: report.scenarios, reload: report.reload }),
        // Not an intent commit (no config version): the runtime was changed to match the intent.
        outcome: error ? "failed" : "applied",
        error,
        requestId,
        runtimeResult: JSON.stringify({ ms: report.ms, reload: report.reload }),
      },
    });
  } catch (auditError) {
    log.error({ event: "audit_write_failed", requestId, err: auditError }, "could not record the apply in the audit log");
  }
}
