import "server-only";
import { db as defaultDb, type Db } from "../db";
import { PROTECTIONS, type Protection } from "../security/spec/protections";
import type { SecurityIntent } from "../security/intent";
import { Applier } from "./applier";
import { compareEngine, type EngineIntent } from "./crowdsec/agent-diff";
import { CrowdsecDriver } from "./crowdsec/driver";
import { CrowdsecScenarios } from "./crowdsec/scenario-links";
import { crowdsecSettings, type CrowdsecRuntimeSettings } from "./crowdsec/settings";
import { Supervisor, type SupervisedRuntime } from "./supervisor";
import { EdgeDriver, edgeIntentFrom } from "./edge/driver";
import { edgeWanted } from "./edge/edge-intent";
import { EdgeRuntime } from "./edge/runtime";
import { edgeSettings, type EdgeRuntimeSettings } from "./edge/settings";
import { storedSites } from "./edge/site-source";
import { EdgeRateLimitDriver } from "./edge/rate-protection";
import { EdgeWafDriver } from "./edge/waf-protection";
import { Verifier } from "./edge/verifier";
import { withVerify } from "./edge/verify-card";
import { readIntent } from "../security/intent-store";
import type { ApplyResult, ProtectionDriver, RuntimeDriver, RuntimeObservation } from "./drivers";
import { WafTuningFile } from "./waf/driver";
import { wafSettings, type WafRuntimeSettings } from "./waf/settings";
import { singleton } from "../process-registry";
import { env } from "../env";
import { BlocklistDriver, BLOCKLIST_UNOBSERVED } from "./blocklist/blocklist-driver";
import { databaseDecisionStore } from "./blocklist/decision-persistence";
import { withAcquisition, withBanVerify, withBlocklist } from "./blocklist/blocklist-card";
import { acquisitionLag } from "./crowdsec/acquisition-lag";
import { DecisionLoop, type BlocklistState } from "./blocklist/decision-loop";
import type { ClassifiedDecision } from "./blocklist/decision-set";

// The engine of one process (the only owner of the runtime, docs/architecture.md): one protection driver and one
// applier queue per protection, the runtime drivers (render / observe / diff / apply) that drift reads
// and "Apply to runtime" drives, and the supervisor that restarts a dead agent. Exactly one per
// process (in the process registry, which survives Next.js hot reload and double loading), created on
// first use; the CLI creates its own.
// A new runtime (the edge's blocklist) is one more entry in `runtimes`.

export interface Engine {
  drivers: Record<Protection, ProtectionDriver>;
  appliers: Record<Protection, Applier>;
  supervisor: Supervisor;
  /** Restarts the edge's nginx when it dies while a site is enabled (as the supervisor does the agent). */
  edgeSupervisor: Supervisor;
  /** The edge runtime (nginx + ModSecurity + CRS) and its driver (the "edge" drift surface). */
  edge: EdgeDriver;
  /** Verify protection: probes through the edge, its latest result, its schedule. */
  verifier: Verifier;
  /** CrowdSec's decisions at the edge: the leader's loop (LAPI → blocklist) and its drift surface. */
  decisions: DecisionLoop;
  blocklist: BlocklistDriver;
  /** The managed CrowdSec instance's settings (on the object: `instanceof` fails across bundle copies). */
  crowdsec: CrowdsecRuntimeSettings;
  /** True until the boot reconciler has run once (the status says "reconciling"). */
  reconciling: boolean;
  /** Every runtime driver, in apply order within a protection (the agent before its scenario links). */
  runtimes: RuntimeDriver[];
  close(): void;
}

export interface EngineOptions {
  crowdsec?: CrowdsecRuntimeSettings;
  waf?: WafRuntimeSettings;
  edge?: EdgeRuntimeSettings;
  /** Run Verify after every apply that started or reloaded the edge (the panel's engine does). */
  verifyAfterApply?: boolean;
  /** The decision loop's intervals (default: WARDEN_DECISIONS_POLL_MS / WARDEN_DECISIONS_RESYNC_MS). */
  decisions?: { pollMs?: number; resyncMs?: number };
  /** Where the leader's loop persists the active set and the state (the panel: the database). */
  decisionStore?: {
    persist: (decisions: ClassifiedDecision[] | null, state: BlocklistState) => Promise<void>;
    readState: () => Promise<BlocklistState | null>;
  };
  /** Replace a driver (tests; named fakes only where a runtime cannot exist). */
  drivers?: Partial<Record<Protection, ProtectionDriver>>;
}

export function createEngine(database: Db, options: EngineOptions = {}): Engine {
  const tuning = new WafTuningFile(options.waf ?? wafSettings());
  const edgeSites = storedSites(database);
  const edge = new EdgeDriver(new EdgeRuntime(options.edge ?? edgeSettings()), edgeSites);
  const defaults: Record<Protection, () => ProtectionDriver> = {
    crowdsec: () => new CrowdsecDriver(options.crowdsec ?? crowdsecSettings()),
    waf: () => new EdgeWafDriver(tuning, edge, () => readIntent(database)),
    rate_limit: () => new EdgeRateLimitDriver(edge, () => readIntent(database)),
  };
  const drivers = Object.fromEntries(PROTECTIONS.map((p) => [p, options.drivers?.[p] ?? defaults[p]()])) as Record<Protection, ProtectionDriver>;
  const appliers = Object.fromEntries(PROTECTIONS.map((p) => [p, new Applier(p, drivers[p], database)])) as Record<Protection, Applier>;
  const driverSettings = (drivers.crowdsec as { settings?: CrowdsecRuntimeSettings }).settings;
  const settings = options.crowdsec ?? driverSettings ?? crowdsecSettings();
  const supervisor = new Supervisor(database, drivers.crowdsec, appliers.crowdsec, settings);
  // The edge runs while a site is enabled, whatever the WAF says: it is the sites' proxy.
  const edgeProcess: SupervisedRuntime = {
    name: "edge",
    retryHint: "Apply to runtime, or disable and enable a site, to try again.",
    wanted: async (intent) => edgeWanted(edgeIntentFrom(intent, await edgeSites(intent))),
  };
  const edgeSupervisor = new Supervisor(database, drivers.waf, appliers.waf, settings, edgeProcess);
  const edgeSettingsUsed = edge.runtime.settings;
  const decisions = new DecisionLoop({
    edge: edgeSettingsUsed,
    crowdsec: settings,
    readIntent: () => readIntent(database),
    pollMs: options.decisions?.pollMs ?? env().WARDEN_DECISIONS_POLL_MS,
    resyncMs: options.decisions?.resyncMs ?? env().WARDEN_DECISIONS_RESYNC_MS,
    persist: options.decisionStore?.persist,
  });
  // The agent (re)started: its LAPI answers now; sync at once rather than after the loop's backoff.
  drivers.crowdsec.onEvent?.((event) => {
    if (event.type === "started") decisions.kick();
  });
  const blocklist = new BlocklistDriver(edgeSettingsUsed, settings, decisions, options.decisionStore?.readState ?? (async () => null));
  const verifier = new Verifier(database, edge, appliers.waf, { crowdsec: settings, loop: decisions });
  if (options.verifyAfterApply) edge.afterChange = () => verifier.afterApply();
  edge.lastVerify = () => {
    const run = verifier.latest;
    return run ? { generation: run.generation, failures: run.failures, at: run.at } : null;
  };
  const engine: Engine = {
    drivers,
    decisions,
    blocklist,
    appliers,
    supervisor,
    edgeSupervisor,
    edge,
    verifier,
    crowdsec: settings,
    reconciling: false,
    runtimes: [],
    close() {
      supervisor.close();
      edgeSupervisor.close();
      verifier.stop();
      void decisions.stop();
      for (const p of PROTECTIONS) {
        appliers[p].close();
        drivers[p].close?.();
      }
    },
  };
  engine.runtimes = [agentRuntime(engine), new CrowdsecScenarios(database, settings), tuning, edge, blocklist];
  return engine;
}

/** The CrowdSec agent as a runtime driver: the protection driver's observation, judged against the intent. */
function agentRuntime(eng: Engine): RuntimeDriver<EngineIntent, RuntimeObservation, ApplyResult> {
  return {
    name: "CrowdSec agent",
    protection: "crowdsec",
    surface: "engine",
    get settleMs() {
      return eng.crowdsec.readyTimeoutMs;
    },
    async render(intent: SecurityIntent) {
      return { enabled: intent.crowdsec.enabled, mode: intent.crowdsec.settings.mode };
    },
    async observe() {
      return observeProtection(eng, "crowdsec");
    },
    diff(desired: EngineIntent, observed: RuntimeObservation) {
      return compareEngine(desired, observed);
    },
    apply(intent: SecurityIntent, signal: AbortSignal) {
      return eng.drivers.crowdsec.apply(intent, signal);
    },
  };
}

/** One protection's runtime, observed now. A driver that throws is reported as failed, never skipped. */
async function observeProtection(eng: Engine, p: Protection): Promise<RuntimeObservation> {
  let observation: RuntimeObservation;
  try {
    observation = await eng.drivers[p].observe();
  } catch (error) {
    observation = {
      protection: p,
      state: "failed",
      summary: `Could not observe the runtime: ${(error as Error).message}`,
      observedAt: new Date().toISOString(),
    };
  }
  if (p === "crowdsec") observation = eng.supervisor.decorate(observation);
  if (p === "crowdsec") observation = withBlocklist(observation, await eng.blocklist.observe().catch(() => BLOCKLIST_UNOBSERVED));
  if (p === "crowdsec") observation = withBanVerify(observation, eng.verifier.latest);
  if (p === "crowdsec" && observation.state === "running") observation = withAcquisition(observation, await acquisitionLag(eng.crowdsec).catch(() => null));
  if (p === "waf" || p === "rate_limit") observation = eng.edgeSupervisor.decorate(observation);
  if (p === "waf" || p === "rate_limit") observation = withVerify(observation, eng.verifier.latest, p);
  if (eng.reconciling) observation = { ...observation, reconciling: true };
  return observation;
}

/** This process's engine (the panel's). */
export function engine(): Engine {
  return singleton("engine", () => {
    const created = createEngine(defaultDb(), { verifyAfterApply: true, decisionStore: databaseDecisionStore(defaultDb()) });
    created.supervisor.start();
    created.edgeSupervisor.start();
    return created;
  });
}

/** Observes every protection's runtime. A driver that throws is reported as failed, never skipped. */
export async function observeAll(eng: Engine = engine()): Promise<Record<Protection, RuntimeObservation>> {
  const entries = await Promise.all(PROTECTIONS.map(async (p): Promise<[Protection, RuntimeObservation]> => [p, await observeProtection(eng, p)]));
  return Object.fromEntries(entries) as Record<Protection, RuntimeObservation>;
}

/** The managed instance's settings as this process's engine uses them. */
export function engineCrowdsecSettings(eng: Engine = engine()): CrowdsecRuntimeSettings {
  return eng.crowdsec;
}
