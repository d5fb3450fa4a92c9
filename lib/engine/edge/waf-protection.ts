import "server-only";
import type { SecurityIntent } from "../../security/intent";
import type { ApplyResult, ProtectionDriver, RuntimeEvent, RuntimeObservation } from "../drivers";
import type { WafTuningFile } from "../waf/driver";
import { edgeCardObservation, type EdgeDriver } from "./driver";
import type { EdgeIntent } from "./edge-intent";
import { EdgeNotInstalledError, missingEdgePackage } from "./instance-dir";
import { EdgeRuntimeError } from "./master";
import type { EdgeObservation } from "./observe";

// The WAF protection's driver: its toggle, its settings and its card. Applying renders the CRS tuning
// file (kept for an external ModSecurity) and drives the edge, which loads ModSecurity with the CRS at
// the intent's settings. The card reports what the edge really serves: the values of the set whose hash
// its control listener answers, never the values just written, and "enforcing" only when the edge runs,
// the generation it serves was rendered from the current intent, and at least one enabled site has the WAF.

export type WafEnforcement = "enforcing" | "detecting" | "not enforcing";

export interface WafVerdict {
  enforcement: WafEnforcement;
  /** One sentence: why, with the values served. */
  sentence: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The WAF as the edge serves it, judged against the intent (`desiredHash`: the set rendered from it). */
export function wafVerdict(intent: SecurityIntent, desiredHash: string | null, o: EdgeObservation): WafVerdict {
  const not = (sentence: string): WafVerdict => ({ enforcement: "not enforcing", sentence });
  if (!o.running || !o.served) return not("Not enforcing: the edge is not serving.");
  const served = o.written && o.written.hash === o.served.hash ? o.written.intent : null;
  if (!served) return not(`Not enforcing: the edge serves generation ${o.served.generation}, which is not a configuration Warden wrote.`);
  const covered = wafSites(served);
  const values = `${served.waf.mode} mode, paranoia ${served.waf.paranoia}, thresholds ${served.waf.inboundThreshold}/${served.waf.outboundThreshold}`;
  if (!served.waf.enabled) return not(`Not enforcing: generation ${o.served.generation} has the WAF off.`);
  if (covered === 0) return not(`Not enforcing: no enabled site has the WAF in generation ${o.served.generation}.`);
  if (desiredHash !== null && desiredHash !== o.served.hash) {
    return not(`Not enforcing the current intent: the edge serves generation ${o.served.generation} (${values}), rendered from an earlier one.`);
  }
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
    if (!intent.waf.enabled) return;
    const missing = missingEdgePackage(this.edge.runtime.settings);
    if (missing) throw new EdgeNotInstalledError(missing);
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.edge.runtime.onEvent(listener);
  }

  async apply(first: SecurityIntent, signal: AbortSignal, latest?: () => Promise<SecurityIntent>): Promise<ApplyResult> {
    const t0 = Date.now();
    const intent = latest ? await latest() : first;
    const version = intent.waf.version;
    const failed = (error: string, logTail?: string[]): ApplyResult => ({ status: "failed", version, ms: Date.now() - t0, error, logTail, intent });
    try {
      await this.tuning.apply(intent);
    } catch (error) {
      return failed(`The WAF tuning file ${this.tuning.file} could not be written: ${(error as Error).message}`);
    }
    try {
      await this.edge.apply(intent, signal);
    } catch (error) {
      return failed((error as Error).message, error instanceof EdgeRuntimeError ? error.logTail : undefined);
    }
    return { status: "applied", version, ms: Date.now() - t0, observation: await this.observeFor(intent), intent };
  }

  async observe(): Promise<RuntimeObservation> {
    return this.observeFor(await this.latest());
  }

  private async observeFor(intent: SecurityIntent): Promise<RuntimeObservation> {
    const o = await this.edge.observe();
    const card = edgeCardObservation(o);
    if (card.state === "not_installed") return card;
    const desired = await this.edge.render(intent);
    const desiredHash = desired.ok ? desired.hash : null;
    if (!intent.waf.enabled) {
      return { ...card, summary: `${card.summary} The WAF is off.`, details: { ...card.details, enforcement: null } };
    }
    const verdict = wafVerdict(intent, desiredHash, o);
    const unrenderable = desired.ok ? "" : ` The intent cannot be rendered: ${desired.reason}`;
    return {
      ...card,
      summary: `${verdict.sentence} ${card.summary}${unrenderable}`,
      details: { ...card.details, enforcement: verdict.enforcement },
    };
  }
}
