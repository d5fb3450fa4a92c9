import "server-only";
import type { SecurityIntent } from "../../security/intent";
import type { ApplyResult, ProtectionDriver, RuntimeEvent, RuntimeObservation } from "../drivers";
import type { WafTuningFile } from "../waf/driver";
import type { EdgeDriver } from "./driver";
import type { EdgeIntent } from "./edge-intent";
import { applyEdge, applyFailed, notCurrentSentence, observeEdgeProtection, refuseWithoutEdge, servedIntent, type EdgeVerdict } from "./edge-protection";
import type { EdgeObservation } from "./observe";

// The WAF protection's driver: its toggle, its settings and its card. Applying renders the CRS tuning
// file (kept for an external ModSecurity) and drives the edge, which loads ModSecurity with the CRS at
// the intent's settings. The card reports what the edge really serves: the values of the set whose hash
// its control listener answers, never the values just written, and "enforcing" only when the edge runs,
// the generation it serves was rendered from the current intent, and at least one enabled site has the WAF.

export type WafEnforcement = "enforcing" | "detecting" | "not enforcing";

export type WafVerdict = EdgeVerdict<WafEnforcement>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The WAF as the edge serves it, judged against the intent (`desiredHash`: the set rendered from it). */
export function wafVerdict(intent: SecurityIntent, desiredHash: string | null, o: EdgeObservation): WafVerdict {
  const not = (sentence: string): WafVerdict => ({ enforcement: "not enforcing", sentence });
  const known = servedIntent(o);
  if (!known.ok) return not(known.sentence);
  const served = known.intent;
  const covered = wafSites(served);
  const values = `${served.waf.mode} mode, paranoia ${served.waf.paranoia}, thresholds ${served.waf.inboundThreshold}/${served.waf.outboundThreshold}`;
  if (!served.waf.enabled) return not(`Not enforcing: generation ${known.generation} has the WAF off.`);
  if (covered === 0) return not(`Not enforcing: no enabled site has the WAF in generation ${known.generation}.`);
  const stale = notCurrentSentence(known, desiredHash, values);
  if (stale) return not(stale);
  const enforcement: WafEnforcement = served.waf.mode === "block" ? "enforcing" : "detecting";
  const verb = enforcement === "enforcing" ? "Blocking" : "Detecting only";
  return { enforcement, sentence: `${verb} on ${plural(covered, "site")} (${values}).` };
}

function wafSites(intent: EdgeIntent): number {
  return intent.sites.filter((s) => s.enabled && s.waf === "inherit").length;
}

export class EdgeWafDriver implements ProtectionDriver {
  readonly protection = "waf" as const;

  constructor(
    readonly tuning: WafTuningFile,
    readonly edge: EdgeDriver,
    private readonly latest: () => Promise<SecurityIntent>,
  ) {}

  /** Switching the WAF on needs the edge's packages: refused before anything is written. */
  preflight(intent: SecurityIntent): void {
    refuseWithoutEdge(this.edge, intent.waf.enabled);
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.edge.runtime.onEvent(listener);
  }

  async apply(first: SecurityIntent, signal: AbortSignal, latest?: () => Promise<SecurityIntent>): Promise<ApplyResult> {
    const t0 = Date.now();
    const intent = latest ? await latest() : first;
    try {
      await this.tuning.apply(intent);
    } catch (error) {
      return applyFailed(intent, "waf", t0, `The WAF tuning file ${this.tuning.file} could not be written: ${(error as Error).message}`);
    }
    return applyEdge(this.edge, intent, "waf", signal, t0, (applied) => this.observeFor(applied));
  }

  async observe(): Promise<RuntimeObservation> {
    return this.observeFor(await this.latest());
  }

  private observeFor(intent: SecurityIntent): Promise<RuntimeObservation> {
    return observeEdgeProtection(this.edge, intent, "waf", {
      enabled: intent.waf.enabled,
      off: "The WAF is off.",
      verdict: (desiredHash, o) => wafVerdict(intent, desiredHash, o),
    });
  }
}
