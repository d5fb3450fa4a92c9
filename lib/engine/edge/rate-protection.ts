import "server-only";
import type { SecurityIntent } from "../../security/intent";
import { plural } from "../../plural";
import type { ApplyResult, ProtectionDriver, RuntimeObservation } from "../drivers";
import type { EdgeDriver } from "./driver";
import type { EdgeIntent, EdgeRateLimit } from "./edge-intent";
import { applyEdge, notCurrentSentence, observeEdgeProtection, refuseWithoutEdge, servedIntent, type EdgeVerdict } from "./edge-protection";
import type { EdgeObservation } from "./observe";

// The rate limit's driver: its toggle, its settings and its card. nginx's limit_req enforces it at the
// edge (render-nginx.ts), so applying it is applying the edge, from the latest intent. The card says
// "enforcing" only when the edge serves a set rendered from the current intent, with the limit on and
// at least one enabled site inheriting it; otherwise exactly what is missing.

export type RateEnforcement = "enforcing" | "not enforcing";

/** "100 per minute, burst 10, excess refused": a limit as an admin reads it. */
export function describeRateLimit(limit: Pick<EdgeRateLimit, "rate" | "unit" | "burst" | "excess">): string {
  const burst = limit.burst > 0 ? `burst ${limit.burst.toLocaleString("en")}` : "no burst";
  return `${limit.rate.toLocaleString("en")} per ${limit.unit}, ${burst}, excess ${limit.excess === "reject" ? "refused" : "delayed"}`;
}

function limitedSites(intent: EdgeIntent): number {
  // A manifest written before sites had the setting has none: those sites inherited.
  return intent.sites.filter((s) => s.enabled && s.rateLimit !== "off").length;
}

/** The rate limit as the edge serves it, judged against the intent (`desiredHash`: the set rendered from it). */
export function rateVerdict(desiredHash: string | null, o: EdgeObservation): EdgeVerdict<RateEnforcement> {
  const not = (sentence: string): EdgeVerdict<RateEnforcement> => ({ enforcement: "not enforcing", sentence });
  const known = servedIntent(o);
  if (!known.ok) return not(known.sentence);
  const limit = known.intent.rateLimit as EdgeRateLimit | undefined;
  if (!limit?.enabled) return not(`Not enforcing: generation ${known.generation} has rate limiting off.`);
  const covered = limitedSites(known.intent);
  if (covered === 0) return not(`Not enforcing: no enabled site has rate limiting in generation ${known.generation}.`);
  const values = describeRateLimit(limit);
  const stale = notCurrentSentence(known, desiredHash, values);
  if (stale) return not(stale);
  return { enforcement: "enforcing", sentence: `Limiting on ${plural(covered, "site")} (${values}).` };
}

export class EdgeRateLimitDriver implements ProtectionDriver {
  readonly protection = "rate_limit" as const;

  constructor(
    readonly edge: EdgeDriver,
    private readonly latest: () => Promise<SecurityIntent>,
  ) {}

  /** Switching rate limiting on needs the edge's packages: refused before anything is written. */
  preflight(intent: SecurityIntent): void {
    refuseWithoutEdge(this.edge, intent.rate_limit.enabled);
  }

  async apply(first: SecurityIntent, signal: AbortSignal, latest?: () => Promise<SecurityIntent>): Promise<ApplyResult> {
    const t0 = Date.now();
    const intent = latest ? await latest() : first;
    return applyEdge(this.edge, intent, "rate_limit", signal, t0, (applied) => this.observeFor(applied));
  }

  async observe(): Promise<RuntimeObservation> {
    return this.observeFor(await this.latest());
  }

  private observeFor(intent: SecurityIntent): Promise<RuntimeObservation> {
    return observeEdgeProtection(this.edge, intent, "rate_limit", {
      enabled: intent.rate_limit.enabled,
      off: "Rate limiting is off.",
      verdict: rateVerdict,
    });
  }
}
