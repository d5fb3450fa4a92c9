import "server-only";
import type { SecurityIntent } from "../../security/intent";
import type { Protection } from "../../security/spec/protections";
import type { ApplyResult, RuntimeObservation } from "../drivers";
import { edgeCardObservation, type EdgeDriver } from "./driver";
import type { EdgeIntent } from "./edge-intent";
import { EdgeNotInstalledError, missingEdgePackage } from "./instance-dir";
import { EdgeRuntimeError } from "./master";
import type { EdgeObservation } from "./observe";

// What the protections the edge enforces (the WAF, rate limiting) share: refusing to switch on without
// the edge's packages, applying the edge as a failed-or-applied result, and the card: what the edge
// really serves (the intent of the set whose hash its control listener answers, never the values just
// written), "enforcing" only when that set was rendered from the current intent.

/** A protection's verdict on what the edge serves: its enforcement word and one sentence saying why. */
export interface EdgeVerdict<E extends string = string> {
  enforcement: E;
  sentence: string;
}

/** The intent of the configuration the edge serves, when Warden wrote it; otherwise the sentence that says it is not known. */
export type ServedIntent = { ok: true; intent: EdgeIntent; generation: number; hash: string } | { ok: false; sentence: string };

export function servedIntent(o: EdgeObservation): ServedIntent {
  if (!o.running || !o.served) return { ok: false, sentence: "Not enforcing: the edge is not serving." };
  const intent = o.written && o.written.hash === o.served.hash ? o.written.intent : null;
  if (!intent) return { ok: false, sentence: `Not enforcing: the edge serves generation ${o.served.generation}, which is not a configuration Warden wrote.` };
  return { ok: true, intent, generation: o.served.generation, hash: o.served.hash };
}

/** The edge serves a set other than the one the current intent renders to (`desiredHash`), or null. */
export function notCurrentSentence(served: { generation: number; hash: string }, desiredHash: string | null, values: string): string | null {
  if (desiredHash === null || desiredHash === served.hash) return null;
  return `Not enforcing the current intent: the edge serves generation ${served.generation} (${values}), rendered from an earlier one.`;
}

/** Switching an edge protection on needs the edge's packages: refused before anything is written. */
export function refuseWithoutEdge(edge: EdgeDriver, enabling: boolean): void {
  if (!enabling) return;
  const missing = missingEdgePackage(edge.runtime.settings);
  if (missing) throw new EdgeNotInstalledError(missing);
}

/** A failed apply of `protection`'s intent (the change is then rolled back), with the edge's last log lines when it has them. */
export function applyFailed(intent: SecurityIntent, protection: Protection, startedAt: number, error: string, logTail?: string[]): ApplyResult {
  return { status: "failed", version: intent[protection].version, ms: Date.now() - startedAt, error, logTail, intent };
}

/** Drives the edge to `intent` (everything it serves, from the latest intent) and reports it as `protection`'s result. */
export async function applyEdge(
  edge: EdgeDriver,
  intent: SecurityIntent,
  protection: Protection,
  signal: AbortSignal,
  startedAt: number,
  observe: (intent: SecurityIntent) => Promise<RuntimeObservation>,
): Promise<ApplyResult> {
  try {
    await edge.apply(intent, signal);
  } catch (error) {
    return applyFailed(intent, protection, startedAt, (error as Error).message, error instanceof EdgeRuntimeError ? error.logTail : undefined);
  }
  return { status: "applied", version: intent[protection].version, ms: Date.now() - startedAt, observation: await observe(intent), intent };
}

export interface EdgeJudgement {
  /** The protection's switch in the intent. */
  enabled: boolean;
  /** Said after the edge's own state when the switch is off ("The WAF is off."). */
  off: string;
  verdict: (desiredHash: string | null, o: EdgeObservation) => EdgeVerdict;
}

/** The card of an edge protection: the edge's state, and the protection's verdict on what it serves (`details.enforcement`). */
export async function observeEdgeProtection(
  edge: EdgeDriver,
  intent: SecurityIntent,
  protection: Protection,
  judge: EdgeJudgement,
): Promise<RuntimeObservation> {
  const o = await edge.observe();
  const card = edgeCardObservation(o, protection);
  if (card.state === "not_installed") return card;
  if (!judge.enabled) return { ...card, summary: `${card.summary} ${judge.off}`, details: { ...card.details, enforcement: null } };
  const desired = await edge.render(intent);
  const verdict = judge.verdict(desired.ok ? desired.hash : null, o);
  const unrenderable = desired.ok ? "" : ` The intent cannot be rendered: ${desired.reason}`;
  return { ...card, summary: `${verdict.sentence} ${card.summary}${unrenderable}`, details: { ...card.details, enforcement: verdict.enforcement } };
}
