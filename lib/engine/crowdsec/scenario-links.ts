import "server-only";
import { existsSync, lstatSync, mkdirSync, renameSync, symlinkSync, unlinkSync } from "node:fs";
import path from "node:path";
import type { Db } from "../../db";
import type { SurfaceCheck } from "../../drift/drift-report";
import { env } from "../../env";
import { DomainError } from "../../errors";
import { log } from "../../log";
import type { SecurityIntent } from "../../security/intent";
import type { RuntimeDriver } from "../drivers";
import { needsAdoption, scenarioIntentMap } from "../../security/scenario-intent";
import { ensureScenarioAdoption } from "./adoption";
import { reloadAgent, type ReloadResult } from "./agent-signals";
import { findRunningAgent } from "./pid-file";
import { withInstanceLock } from "./instance-lock";
import { compareScenarios, scenariosCannotVerify } from "./scenario-diff";
import { readRuntimeScenarios, type RuntimeScenarios } from "./scenario-files";
import { hubLinkTarget, linkPathFor } from "./scenario-paths";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// The driver of CrowdSec's scenario links: which hub scenarios the agent loads is the set
// of links in its config's scenarios directory. render = the intent's scenario map (adopted from the
// runtime the first time it is seen), observe = the directory as it is, diff = drift lines, apply =
// links added and removed under the instance lock, then the agent reloaded (SIGHUP, confirmed by its
// log). For an external CrowdSec it changes nothing and returns the commands an operator must run.

const RELOAD_TIMEOUT_MS = 20_000;
/** Local (regular-file) scenarios the intent disables are moved here, not deleted (reversible). */
const DISABLED_DIR = "scenarios.disabled-by-warden";
/** The scenario intent map is re-read at least this often even when the intent version did not move. */
const INTENT_MAP_MAX_AGE_MS = 30_000;

export type ScenarioDirs = { scenarios: string; hub: string } | { reason: string; notCreated?: boolean };

/** The runtime's scenario directories: the managed instance's (local mode) or CROWDSEC_EXTERNAL_CONFIG_DIR's. */
export function scenarioDirs(s: CrowdsecRuntimeSettings, intent: SecurityIntent): ScenarioDirs {
  if (intent.crowdsec.settings.mode === "external") {
    const { CROWDSEC_EXTERNAL_CONFIG_DIR: dir, CROWDSEC_EXTERNAL_HUB_DIR: hub } = env();
    if (!dir) return { reason: "CrowdSec runs externally and CROWDSEC_EXTERNAL_CONFIG_DIR is not set, so its scenario directory cannot be read." };
    return { scenarios: path.join(dir, "scenarios"), hub: hub ?? path.join(dir, "hub") };
  }
  const p = instancePaths(s);
  if (!existsSync(p.marker) && !existsSync(p.etc)) {
    return {
      reason: `The managed CrowdSec instance ${p.dir} does not exist yet (it is created when CrowdSec is first enabled, or by \`npm run cli -- crowdsec:init\`).`,
      notCreated: true,
    };
  }
  return { scenarios: path.join(p.etc, "scenarios"), hub: p.hub };
}

/** What the runtime should hold: the scenario intent, or why nothing can be said. */
export type ScenariosDesired =
  | { kind: "wanted"; wanted: Map<string, boolean> }
  /** A fresh install: CrowdSec never enabled, no instance, no scenario intent: nothing is wanted. */
  | { kind: "nothing_yet" }
  | { kind: "unknown"; reason: string };

export type ScenariosObserved = { dirs: ScenarioDirs; runtime: RuntimeScenarios | null };

export interface ScenariosReport {
  mode: "managed" | "external";
  scenarios: { enabled: string[]; disabled: string[]; missingFromHub: string[]; collisions: string[] };
  reload: ReloadResult;
  /** External runtime: what to run instead. */
  commands: string[];
}

export class CrowdsecScenarios implements RuntimeDriver<ScenariosDesired, ScenariosObserved, ScenariosReport> {
  readonly name = "CrowdSec scenarios";
  readonly protection = "crowdsec" as const;
  readonly surface = "scenarios" as const;
  private intentCache: { version: number; map: Map<string, boolean>; at: number } | null = null;

  constructor(
    private readonly db: Db,
    readonly settings: CrowdsecRuntimeSettings,
  ) {}

  get settleMs(): number {
    return this.settings.readyTimeoutMs;
  }

  watchPaths(): string[] {
    const etc = instancePaths(this.settings).etc;
    return [etc, path.join(etc, "scenarios")];
  }

  async observe(intent: SecurityIntent): Promise<ScenariosObserved> {
    const dirs = scenarioDirs(this.settings, intent);
    return { dirs, runtime: "reason" in dirs ? null : readRuntimeScenarios(dirs.scenarios, dirs.hub) };
  }

  /**
   * The scenario intent. The first time a complete runtime is seen, its enabled set becomes the
   * intent (first init, ADR 007) — a write to the panel's intent rows, never to
   * the runtime — so nothing reads "no rows yet" as "everything disabled".
   */
  async render(intent: SecurityIntent): Promise<ScenariosDesired> {
    const dirs = scenarioDirs(this.settings, intent);
    if ("reason" in dirs) {
      if (dirs.notCreated && !intent.crowdsec.enabled && (await needsAdoption(this.db))) return { kind: "nothing_yet" };
      return { kind: "unknown", reason: dirs.reason };
    }
    // Only the first time is the runtime read here (a check reads it once more in observe: with 5,000
    // links, a read right after a change is the expensive part of a check).
    if (await needsAdoption(this.db)) {
      const runtime = readRuntimeScenarios(dirs.scenarios, dirs.hub);
      if (!runtime.ok) return { kind: "unknown", reason: runtime.reason };
      if (!(await ensureScenarioAdoption(this.db, this.settings, intent, runtime))) {
        return { kind: "unknown", reason: "the managed CrowdSec instance is incomplete (run `npm run cli -- crowdsec:init`)" };
      }
    }
    return { kind: "wanted", wanted: await this.intentMap(intent.version) };
  }

  diff(desired: ScenariosDesired, observed: ScenariosObserved): SurfaceCheck {
    if (desired.kind === "nothing_yet") {
      return {
        surface: "scenarios",
        verdict: "in_sync",
        differences: [],
        expected: { scenarios: "none intended yet" },
        actual: { instance: "not created" },
        reason: null,
      };
    }
    if ("reason" in observed.dirs) return scenariosCannotVerify(observed.dirs.reason);
    if (!observed.runtime?.ok) return scenariosCannotVerify(observed.runtime?.reason ?? "the scenarios directory was not read");
    if (desired.kind === "unknown") return scenariosCannotVerify(desired.reason);
    return compareScenarios(desired.wanted, observed.runtime);
  }

  /** Links added and removed, the agent reloaded if it runs; external mode: the commands instead. */
  async apply(intent: SecurityIntent): Promise<ScenariosReport> {
    const report: ScenariosReport = {
      mode: intent.crowdsec.settings.mode === "external" ? "external" : "managed",
      scenarios: { enabled: [], disabled: [], missingFromHub: [], collisions: [] },
      reload: { reloaded: false },
      commands: [],
    };
    if (report.mode === "external") {
      report.commands = externalCommands(await scenarioIntentMap(this.db));
      report.reload = { reloaded: false, reason: "CrowdSec runs externally: Warden changes nothing there" };
      return report;
    }
    await withInstanceLock(this.settings, () => this.applyLinks(intent, report), { holder: `panel pid ${process.pid} applying scenario links` });
    this.intentCache = null;
    return report;
  }

  private async applyLinks(intent: SecurityIntent, report: ScenariosReport): Promise<void> {
    const s = this.settings;
    const dirs = scenarioDirs(s, intent);
    if ("reason" in dirs && dirs.notCreated && !intent.crowdsec.enabled) {
      // CrowdSec was never switched on: no instance, no links to write (drift calls this in sync too).
      report.reload = { reloaded: false, reason: "CrowdSec has never been enabled: there is no managed instance to change" };
      return;
    }
    if ("reason" in dirs) throw new DomainError("ENGINE", `Cannot apply scenarios: ${dirs.reason}`);
    const runtime = readRuntimeScenarios(dirs.scenarios, dirs.hub);
    if (!runtime.ok) throw new DomainError("ENGINE", `Cannot apply scenarios: ${runtime.reason}`);
    // Never read "no intent rows yet" as "disable everything": adopt the runtime's set first.
    if (!(await ensureScenarioAdoption(this.db, s, intent, runtime))) {
      throw new DomainError("ENGINE", "Cannot apply scenarios: the managed CrowdSec instance is incomplete (run `npm run cli -- crowdsec:init`).");
    }
    const wanted = await scenarioIntentMap(this.db);
    const etc = instancePaths(s).etc;
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
          mkdirSync(path.join(etc, DISABLED_DIR), { recursive: true });
          renameSync(item.file, uniquePath(path.join(etc, DISABLED_DIR, path.basename(item.file))));
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
      if (existing?.isSymbolicLink())
        unlinkSync(link); // a dangling or foreign link with the same file name
      else if (existing) {
        // A local file holds that file name: never delete an admin's file.
        report.scenarios.collisions.push(`${name} (${link} is a local file)`);
        continue;
      }
      symlinkSync(target, link);
      report.scenarios.enabled.push(name);
    }
    report.scenarios.enabled.sort();
    report.scenarios.disabled.sort();
    if (report.scenarios.collisions.length) {
      log.warn(
        { event: "scenario_link_collision", source: "lib/engine", scenarios: report.scenarios.collisions },
        "a local file holds the link's file name: left alone",
      );
    }
    if (report.scenarios.missingFromHub.length) {
      log.warn(
        { event: "scenarios_missing_from_hub", source: "lib/engine", scenarios: report.scenarios.missingFromHub },
        "intent enables scenarios the hub does not offer: left alone",
      );
    }
    const changed = report.scenarios.enabled.length + report.scenarios.disabled.length > 0;
    const running = findRunningAgent(s);
    if (!running) report.reload = { reloaded: false, reason: "the agent is not running: it loads the files at its next start" };
    else if (!changed) report.reload = { reloaded: false, reason: "no scenario changed" };
    else report.reload = await reloadAgent(s, running.pid, RELOAD_TIMEOUT_MS);
  }

  /**
   * Scenario intent (thousands of rows), read again whenever the global intent version moved (every
   * scenario switch and adoption bumps it) and at least every INTENT_MAP_MAX_AGE_MS.
   */
  private async intentMap(version: number): Promise<Map<string, boolean>> {
    const c = this.intentCache;
    if (c && c.version === version && Date.now() - c.at < INTENT_MAP_MAX_AGE_MS) return c.map;
    const map = await scenarioIntentMap(this.db);
    this.intentCache = { version, map, at: Date.now() };
    return map;
  }
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

function externalCommands(wanted: Map<string, boolean>): string[] {
  const commands: string[] = [];
  for (const [name, enabled] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    commands.push(enabled ? `cscli scenarios install ${name}` : `cscli scenarios remove ${name}`);
  }
  commands.push("systemctl reload crowdsec   # or: kill -HUP <crowdsec pid>");
  if (!env().CROWDSEC_EXTERNAL_CONFIG_DIR) commands.unshift("# set CROWDSEC_EXTERNAL_CONFIG_DIR so Warden can verify the result");
  return commands;
}
