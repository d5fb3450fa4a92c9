import { env } from "../env";

// Drift detector settings (README "Configuration"), from the one environment schema (lib/env.ts,
// re-read when a test changes the environment).

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

export function driftSettings(): DriftSettings {
  const e = env();
  return {
    intervalMs: e.WARDEN_DRIFT_INTERVAL_MS,
    engineIntervalMs: e.WARDEN_DRIFT_ENGINE_INTERVAL_MS,
    watch: e.WARDEN_DRIFT_WATCH,
    debounceMs: e.WARDEN_DRIFT_DEBOUNCE_MS,
  };
}
