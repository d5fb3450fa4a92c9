import { DEFAULT_SETTINGS } from "./spec/defaults";
import { SECURITY_SPEC, type RateLimitSettings } from "./spec/protections";

// Rate limiting was stored as "requests per window (seconds)" before the edge enforced it; nginx's
// limit_req takes a rate per second or per minute and a burst. The conversion (ADR 013) never makes a
// limit stricter than it was: the rate is rounded up, and the burst becomes at least the requests one
// window allowed at once. A result past the new bounds is capped, and the cap is said.

/** The settings as stored before: requests per window of `windowSec` seconds, plus a burst. */
export interface RequestsPerWindow {
  requests: number;
  windowSec: number;
  burst: number;
}

export interface RateLimitConversion {
  settings: RateLimitSettings;
  /** What could not be kept as it was, in words (a cap, a stored value that was no limit at all). */
  notes: string[];
}

const RATE_MAX = SECURITY_SPEC.rate_limit.fields.rate.max;
const BURST_MAX = SECURITY_SPEC.rate_limit.fields.burst.max;
const OLD_DEFAULTS: RequestsPerWindow = { requests: 100, windowSec: 60, burst: 10 };

const wholeAtLeast = (n: unknown, min: number): n is number => typeof n === "number" && Number.isInteger(n) && n >= min;

export function convertRequestsPerWindow(old: RequestsPerWindow): RateLimitConversion {
  const { requests, windowSec, burst } = old;
  if (requests === OLD_DEFAULTS.requests && windowSec === OLD_DEFAULTS.windowSec && burst === OLD_DEFAULTS.burst) {
    return { settings: { ...DEFAULT_SETTINGS.rate_limit }, notes: [] };
  }
  if (!wholeAtLeast(requests, 1) || !wholeAtLeast(windowSec, 1) || !wholeAtLeast(burst, 0)) {
    return {
      settings: { ...DEFAULT_SETTINGS.rate_limit },
      notes: [`the stored limit (${requests} requests per ${windowSec} s, burst ${burst}) is not a limit: the defaults were used`],
    };
  }
  const notes: string[] = [];
  const perMinute = (requests * 60) / windowSec;
  let rate: number;
  let unit: RateLimitSettings["unit"];
  if (perMinute < 60 || (Number.isInteger(perMinute) && perMinute <= RATE_MAX)) {
    rate = Math.max(1, Math.ceil(perMinute));
    unit = "minute";
  } else {
    rate = Math.ceil(requests / windowSec);
    unit = "second";
    if (rate > RATE_MAX) {
      notes.push(`rate ${rate} per second capped to ${RATE_MAX}`);
      rate = RATE_MAX;
    }
  }
  let newBurst = Math.max(burst, requests);
  if (newBurst > BURST_MAX) {
    notes.push(`burst ${newBurst} capped to ${BURST_MAX}`);
    newBurst = BURST_MAX;
  }
  return { settings: { rate, unit, burst: newBurst, excess: "reject" }, notes };
}
