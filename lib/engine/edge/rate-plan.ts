import type { SecurityIntent } from "../../security/intent";
import type { EdgeSite } from "./edge-intent";

// How many requests the rate probe sends, and how many at once, to see a 429 if the limit holds: the
// burst plus one pass at once, then the rate refills while the probe sends (two seconds of margin). A
// limit that one address cannot exceed within the probe's budget is "configured, not probed", never
// shown as enforcing.

/** The most requests one rate probe sends. */
export const MAX_RATE_PROBE_REQUESTS = 400;

export type RatePlan = { kind: "off" } | { kind: "too_high"; reason: string } | { kind: "burst"; requests: number; concurrency: number };

export function rateProbePlan(intent: SecurityIntent, site: Pick<EdgeSite, "rateLimit">): RatePlan {
  if (!intent.rate_limit.enabled || site.rateLimit === "off") return { kind: "off" };
  const r = intent.rate_limit.settings;
  const perSecond = r.unit === "second" ? r.rate : r.rate / 60;
  const allowed = r.burst + 1 + Math.ceil(perSecond * 2);
  const requests = allowed + 5;
  if (requests > MAX_RATE_PROBE_REQUESTS) {
    return {
      kind: "too_high",
      reason: `configured, not probed: about ${allowed} requests pass before a 429, more than one probe sends (${MAX_RATE_PROBE_REQUESTS})`,
    };
  }
  // Delayed requests hold their connection: send them all at once, so the one past the burst is refused at once.
  return { kind: "burst", requests, concurrency: r.excess === "delay" ? requests : Math.min(requests, 20) };
}
