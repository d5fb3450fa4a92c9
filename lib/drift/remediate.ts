import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Db } from "../db";
import { agentLoaded, findRunningAgent } from "../engine/crowdsec/agent";
import { withInstanceLock } from "../engine/crowdsec/lock";
import { isInstanceAgent } from "../engine/crowdsec/proc";
import { instancePaths, type CrowdsecRuntimeSettings } from "../engine/crowdsec/settings";
import { DomainError } from "../errors";
import { log } from "../log";
import type { SecurityIntent } from "../security/intent";
import type { WafSettings } from "../security/protections";
import { scenarioIntentMap } from "../security/scenarios";
import { readIntent, type ChangeContext } from "../security/store";
import { ensureScenarioAdoption } from "./adoption";
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
  scenarios: { enabled: string[]; disabled: string[]; missingFromHub: string[]; collisions?: string[] };
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
  const external = intent.crowdsec.settings.mode === "external";
  const report: ApplyReport = {
    mode: external ? "external" : "managed",
    tuningFile: null,
    scenarios: { enabled: [], disabled: [], missingFromHub: [], collisions: [] },
    reload: { reloaded: false },
    commands: [],
    ms: 0,
  };
  try {
    report.tuningFile = { path: drift.tuningFile, written: writeTuningFile(drift.tuningFile, intent.waf.settings) };
    if (external) {
      report.commands = externalCommands(intent, await scenarioIntentMap(db), drift);
    } else {
      await withInstanceLock(crowdsec, () => applyScenarios(db, crowdsec, intent, report), { holder: `apply to runtime (pid ${process.pid})` });
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

async function applyScenarios(db: Db, s: CrowdsecRuntimeSettings, intent: SecurityIntent, report: ApplyReport): Promise<void> {
  const dirs = scenarioDirs(s, intent);
  if ("reason" in dirs) throw new DomainError("ENGINE", `Cannot apply scenarios: ${dirs.reason}`);
  const runtime = readRuntimeScenarios(dirs.scenarios, dirs.hub);
  if (!runtime.ok) throw new DomainError("ENGINE", `Cannot apply scenarios: ${runtime.reason}`);
  // Never read "no intent rows yet" as "disable everything": adopt the runtime's set first.
  if (!(await ensureScenarioAdoption(db, s, intent, runtime))) {
    throw new DomainError("ENGINE", "Cannot apply scenarios: the managed CrowdSec instance is incomplete (run `npm run cli -- crowdsec:init`).");
  }
  const wanted = await scenarioIntentMap(db);
  const p = instancePaths(s);
  const moved = new Set<string>();
  for (const [name, item] of runtime.enabled) {
    if (wanted.get(name) === true) continue;
    if (item.kind === "hub") {
      unlinkSync(item.file);
    } else {
      // A local file may define other buckets the intent still wants: move it only if none are.
      const siblings = [...runtime.enabled].filter(([, other]) => other.file === item.file).map(([n]) => n);
      if (siblings.some((n) => wanted.get(n) === true)) continue;
      if (!moved.has(item.file)) {
        mkdirSync(path.join(p.etc, DISABLED_DIR), { recursive: true });
        renameSync(item.file, uniquePath(path.join(p.etc, DISABLED_DIR, path.basename(item.file))));
        moved.add(item.file);
      }
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
    const existing = lstatOrNull(link);
    if (existing?.isSymbolicLink()) unlinkSync(link); // a dangling or foreign link with the same file name
    else if (existing) {
      // A local file holds that file name: never delete an admin's file.
      (report.scenarios.collisions ??= []).push(`${name} (${link} is a local file)`);
      continue;
    }
    symlinkSync(target, link);
    report.scenarios.enabled.push(name);
  }
  report.scenarios.enabled.sort();
  report.scenarios.disabled.sort();
  if (report.scenarios.collisions?.length) {
    log.warn({ event: "scenario_link_collision", source: "lib/drift", scenarios: report.scenarios.collisions }, "a local file holds the link's file name: left alone");
  }
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

/**
 * SIGHUP, then wait for the agent's log to say the reload finished (and how many scenarios it loaded).
 * A reload that is not confirmed fails the apply: files changed but the agent may not run them.
 */
async function reloadAgent(s: CrowdsecRuntimeSettings, pid: number): Promise<ApplyReport["reload"]> {
  const t0 = Date.now();
  // A SIGHUP before the agent installed its signal handlers kills it raw (as SIGTERM would).
  while (!agentLoaded(s, pid)) {
    if (!isInstanceAgent(pid, s)) throw new DomainError("ENGINE", `The agent (pid ${pid}) exited before it could be reloaded; the files are changed and apply at its next start.`);
    if (Date.now() - t0 > RELOAD_TIMEOUT_MS) throw new DomainError("ENGINE", `The agent (pid ${pid}) did not finish loading within ${RELOAD_TIMEOUT_MS / 1000} s, so it was not reloaded.`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!isInstanceAgent(pid, s)) throw new DomainError("ENGINE", `pid ${pid} is no longer this instance's agent; not signalled.`);
  const logFile = instancePaths(s).agentLog;
  const offset = sizeOf(logFile);
  process.kill(pid, "SIGHUP");
  while (Date.now() - t0 < RELOAD_TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 50));
    const tail = readFrom(logFile, offset);
    if (tail.includes("Reload is finished")) {
      const loaded = [...tail.matchAll(/Loaded (\d+) scenarios/g)].at(-1);
      return { reloaded: true, ms: Date.now() - t0, scenariosLoaded: loaded ? Number(loaded[1]) : undefined };
    }
    if (!isInstanceAgent(pid, s)) throw new DomainError("ENGINE", "The agent exited during the reload (see its log on the CrowdSec card); the scenario files are changed.");
  }
  throw new DomainError("ENGINE", `The agent did not confirm the reload within ${RELOAD_TIMEOUT_MS / 1000} s.`);
}

function lstatOrNull(file: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}

/** `file`, or `file.1`, `file.2`, … : the first name not taken (a file moved aside never overwrites another). */
function uniquePath(file: string): string {
  if (!existsSync(file)) return file;
  for (let i = 1; ; i++) if (!existsSync(`${file}.${i}`)) return `${file}.${i}`;
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
