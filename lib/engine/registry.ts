import { db as defaultDb, type Db } from "../db";
import { PROTECTIONS, type Protection } from "../security/protections";
import { Applier } from "./applier";
import { CrowdsecDriver } from "./crowdsec/driver";
import { crowdsecSettings, type CrowdsecRuntimeSettings } from "./crowdsec/settings";
import { Supervisor } from "./supervisor";
import type { ProtectionDriver, RuntimeObservation } from "./types";
import { unmanagedDriver } from "./unmanaged-driver";

// The engine of one process: one driver and one applier per protection, and the supervisor that
// restarts a dead agent. Exactly one per process (globalThis survives Next.js hot reload), created
// on first use; the CLI creates its own for its own process.

export interface Engine {
  drivers: Record<Protection, ProtectionDriver>;
  appliers: Record<Protection, Applier>;
  supervisor: Supervisor;
  /** The managed CrowdSec instance's settings (on the object: `instanceof` fails across bundle copies). */
  crowdsec: CrowdsecRuntimeSettings;
  /** True until the boot reconciler has run once (the status says "reconciling"). */
  reconciling: boolean;
  close(): void;
}

export interface EngineOptions {
  crowdsec?: CrowdsecRuntimeSettings;
  /** Replace a driver (tests; named fakes only where a runtime cannot exist). */
  drivers?: Partial<Record<Protection, ProtectionDriver>>;
}

export function createEngine(database: Db, options: EngineOptions = {}): Engine {
  const drivers = Object.fromEntries(
    PROTECTIONS.map((p) => [
      p,
      options.drivers?.[p] ?? (p === "crowdsec" ? new CrowdsecDriver(options.crowdsec ?? crowdsecSettings()) : unmanagedDriver(p)),
    ]),
  ) as Record<Protection, ProtectionDriver>;
  const appliers = Object.fromEntries(PROTECTIONS.map((p) => [p, new Applier(p, drivers[p], database)])) as Record<Protection, Applier>;
  const driverSettings = (drivers.crowdsec as { settings?: CrowdsecRuntimeSettings }).settings;
  const settings = options.crowdsec ?? driverSettings ?? crowdsecSettings();
  const supervisor = new Supervisor(database, drivers.crowdsec, appliers.crowdsec, settings);
  const engine: Engine = {
    drivers,
    appliers,
    supervisor,
    crowdsec: settings,
    reconciling: false,
    close() {
      supervisor.close();
      for (const p of PROTECTIONS) {
        appliers[p].close();
        drivers[p].close?.();
      }
    },
  };
  return engine;
}

const globalForEngine = globalThis as unknown as { wardenEngine?: Engine };

/** This process's engine (the panel's). */
export function engine(): Engine {
  if (!globalForEngine.wardenEngine) {
    globalForEngine.wardenEngine = createEngine(defaultDb());
    globalForEngine.wardenEngine.supervisor.start();
  }
  return globalForEngine.wardenEngine;
}

/** Observes every protection's runtime. A driver that throws is reported as failed, never skipped. */
export async function observeAll(eng: Engine = engine()): Promise<Record<Protection, RuntimeObservation>> {
  const entries = await Promise.all(
    PROTECTIONS.map(async (p): Promise<[Protection, RuntimeObservation]> => {
      let observation: RuntimeObservation;
      try {
        observation = await eng.drivers[p].observe();
      } catch (error) {
        observation = { protection: p, state: "failed", summary: `Could not observe the runtime: ${(error as Error).message}`, observedAt: new Date().toISOString() };
      }
      if (p === "crowdsec") observation = eng.supervisor.decorate(observation);
      if (eng.reconciling) observation = { ...observation, reconciling: true };
      return [p, observation];
    }),
  );
  return Object.fromEntries(entries) as Record<Protection, RuntimeObservation>;
}

/** The managed instance's settings as this process's engine uses them. */
export function engineCrowdsecSettings(eng: Engine = engine()): CrowdsecRuntimeSettings {
  return eng.crowdsec;
}
