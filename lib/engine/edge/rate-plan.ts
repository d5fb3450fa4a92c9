import type { SecurityIntent } from "../../security/intent";
import type { EdgeSite } from "./edge-intent";

// How many requests the rate probe sends, and how many at once, to see a 429 if the limit holds: the
// burst plus one pass at once, then the rate refills while the probe sends (two seconds of margin). A
// limit that one address cannot exceed within the probe's budget is "configured, not probed", never
// shown as enforcing.

/** The most requests one rate probe sends. */
export const MAX_RATE_PROBE_REQUESTS = 400;

export type RatePlan = { kind: "off" } | { kind: "too_high"; reason: string } | { kind: "burst"; requests: number; concurrency: number };

interface RateSettings {
  perSecond: number;
  burst: number;
  delay: boolean;
}

/** The limit as requests per second, from the intent's settings. */
function rateSettings(settings: Record<string, unknown>): RateSettings {
  const burst = Number(settings.burst ?? 0);
  if (typeof settings.rate === "number") {
    const perSecond = settings.unit === "second" ? settings.rate : settings.rate / 60;
    return { perSecond, burst, delay: settings.excess === "delay" };
  }
  // An intent from before the rate/unit fields: requests per window.
  return { perSecond: Number(settings.requests ?? 0) / Math.max(1, Number(settings.windowSec ?? 1)), burst, delay: false };
}

export function rateProbePlan(intent: SecurityIntent, site: Pick<EdgeSite, "enabled"> & { rateLimit?: string }): RatePlan {
  if (!intent.rate_limit.enabled || site.rateLimit === "off") return { kind: "off" };
  const r = rateSettings(intent.rate_limit.settings as Record<string, unknown>);
  const allowed = r.burst + 1 + Math.ceil(r.perSecond * 2);
  const requests = allowed + 5;
  if (requests > MAX_RATE_PROBE_REQUESTS) {
    return {
      kind: "too_high",
      reason: `configured, not probed: about ${allowed} requests pass before a 429, more than one probe sends (${MAX_RATE_PROBE_REQUESTS})`,
    };
  }
  // Delayed requests hold their connection: send them all at once, so the one past the burst is refused at once.
  return { kind: "burst", requests, concurrency: r.delay ? requests : Math.min(requests, 20) };
}
