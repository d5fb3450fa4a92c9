import { PROTECTIONS, type Protection } from "../security/protections";
import type { ProtectionDriver, RuntimeObservation } from "./types";
import { unmanagedDriver } from "./unmanaged-driver";

// One driver per protection. The CrowdSec issue replaces crowdsec's with a real one.
const globalForEngine = globalThis as unknown as { wardenDrivers?: Record<Protection, ProtectionDriver> };

export function drivers(): Record<Protection, ProtectionDriver> {
  globalForEngine.wardenDrivers ??= Object.fromEntries(PROTECTIONS.map((p) => [p, unmanagedDriver(p)])) as Record<
    Protection,
    ProtectionDriver
  >;
  return globalForEngine.wardenDrivers;
}

/** Observes every protection's runtime. A driver that throws is reported as failed, never skipped. */
export async function observeAll(): Promise<Record<Protection, RuntimeObservation>> {
  const entries = await Promise.all(
    PROTECTIONS.map(async (p): Promise<[Protection, RuntimeObservation]> => {
      try {
        return [p, await drivers()[p].observe()];
      } catch (error) {
        return [p, { protection: p, state: "failed", summary: `Could not observe the runtime: ${(error as Error).message}`, observedAt: new Date().toISOString() }];
      }
    }),
  );
  return Object.fromEntries(entries) as Record<Protection, RuntimeObservation>;
}
