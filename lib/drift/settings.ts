import { z } from "zod";
import { parseEnvironment } from "../env";

// Drift detector settings (README "Configuration"). Parsed on every call: cheap, and tests change
// the environment between cases.

export interface DriftSettings {
  /** Full check of every surface on this interval, besides the events (default 60 s). */
  intervalMs: number;
  /** The engine surface alone, this often: a pid probe and one loopback HTTP GET (default 2 s). */
  engineIntervalMs: number;
  /** File watches on the runtime's scenario directory and the paths the runtime drivers name. */
  watch: boolean;
  /** Events closer together than this make one check. */
  debounceMs: number;
}

const bool = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1" || v === "");

const ZDriftEnv = z.object({
  WARDEN_DRIFT_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  WARDEN_DRIFT_ENGINE_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
  WARDEN_DRIFT_WATCH: bool.default(true),
  WARDEN_DRIFT_DEBOUNCE_MS: z.coerce.number().int().min(0).max(10_000).default(100),
});

export function driftSettings(): DriftSettings {
  const e = parseEnvironment(ZDriftEnv);
  return {
    intervalMs: e.WARDEN_DRIFT_INTERVAL_MS,
    engineIntervalMs: e.WARDEN_DRIFT_ENGINE_INTERVAL_MS,
    watch: e.WARDEN_DRIFT_WATCH,
    debounceMs: e.WARDEN_DRIFT_DEBOUNCE_MS,
  };
}
