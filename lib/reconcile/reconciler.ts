import "server-only";
import type { Db } from "../db";
import type { Engine } from "../engine/engine";
import type { RuntimeObservation } from "../engine/drivers";
import { log } from "../log";
import type { SecurityIntent } from "../security/intent";
import { PROTECTIONS, type Protection } from "../security/spec/protections";
import { readIntent } from "../security/intent-store";

// The reconciler (the "stuck toggle" an old panel had: a switch on, nothing running): make every runtime match the stored
// intent, once at boot (in the background, after the schema gate) and by hand with
// `npm run cli -- reconcile`. It reads the intent through readIntent, which recreates a missing
// config row from the settings mirror (or defaults), so every way the config row can be missing or stale all
// go through one path. One INFO line per decision, with source/desired/observed/action/result.

export type ReconcileAction = "none" | "start" | "adopt" | "stop" | "probe" | "render" | "skip";
export type ReconcileResult = "ok" | "failed" | "not_installed" | "not_managed";

export interface ReconcileDecision {
  protection: Protection;
  desired: string;
  observed: string;
  action: ReconcileAction;
  result: ReconcileResult;
  reason: string;
  ms?: number;
  pid?: number;
}

export interface ReconcileTally {
  source: string;
  intentVersion: number;
  decisions: ReconcileDecision[];
  counts: Record<ReconcileAction, number>;
  failed: number;
}

function desiredOf(intent: SecurityIntent, protection: Protection): string {
  const p = intent[protection];
  if (!p.enabled) return "stopped";
  if (protection === "crowdsec") return intent.crowdsec.settings.mode === "external" ? "external reachable" : "running";
  return "enforced";
}

function plan(intent: SecurityIntent, protection: Protection, observed: RuntimeObservation): { action: ReconcileAction; reason: string } {
  const p = intent[protection];
  if (observed.state === "unmanaged") return { action: "skip", reason: "no runtime is connected to this protection yet: intent only" };
  // The WAF's and the rate limit's runtime is the edge, which runs for the sites whatever they say:
  // applying renders the edge's set (and the WAF's tuning file), and writes or reloads only what differs
  // (without the edge's packages the tuning file is still written, and the edge fails only if a site needs it).
  if (protection === "waf") {
    return { action: "render", reason: "the tuning file and the edge are rendered from the intent and its sites (written and reloaded only if they differ)" };
  }
  if (protection === "rate_limit") {
    return { action: "render", reason: "the edge is rendered from the intent and its sites (reloaded only if it differs)" };
  }
  // A rendered file (the WAF tuning file): rendering again is idempotent and cheap, and writes only a difference.
  if (observed.state === "rendered") return { action: "render", reason: "the file is rendered from the intent (written only if it differs)" };
  if (observed.state === "not_installed") {
    return p.enabled ? { action: "skip", reason: observed.summary } : { action: "none", reason: "off, and the package is not installed: nothing to do" };
  }
  if (protection === "crowdsec" && p.enabled && intent.crowdsec.settings.mode === "external") {
    return { action: "probe", reason: "external mode: never started or stopped by Warden; probing the LAPI URL" };
  }
  const running = observed.state === "running" || observed.state === "starting" || (observed.state === "failed" && observed.pid !== undefined);
  if (p.enabled)
    return running
      ? { action: "adopt", reason: `agent already running (pid ${observed.pid ?? "?"}): adopted, not started twice` }
      : { action: "start", reason: "intent on, agent not running" };
  return running ? { action: "stop", reason: "intent off, but the managed agent is running" } : { action: "none", reason: "intent off, agent not running" };
}

/** Runs one reconciliation; never throws for a runtime failure (it is a decision's result). */
export async function reconcile(db: Db, engine: Engine, source: string): Promise<ReconcileTally> {
  const intent = await readIntent(db);
  const decisions: ReconcileDecision[] = [];
  for (const protection of PROTECTIONS) {
    const observed = await engine.drivers[protection].observe();
    const { action, reason } = plan(intent, protection, observed);
    const decision: ReconcileDecision = {
      protection,
      desired: desiredOf(intent, protection),
      observed: observed.state,
      action,
      result: action === "skip" ? (observed.state === "not_installed" ? "not_installed" : "not_managed") : "ok",
      reason,
    };
    if (action !== "none" && action !== "skip") {
      const outcome = await engine.appliers[protection].request(intent[protection].version);
      const r = outcome.result;
      if (r.status === "applied") {
        decision.ms = r.ms;
        decision.pid = r.observation.pid;
      } else if (r.status === "failed") {
        decision.result = "failed";
        decision.reason = r.error;
        decision.ms = r.ms;
      } else {
        decision.result = "not_managed";
        decision.reason = r.reason;
      }
    }
    const fields = {
      event: "reconcile_decision",
      source,
      protection,
      desired: decision.desired,
      observed: decision.observed,
      action,
      result: decision.result,
      reason: decision.reason,
      ms: decision.ms,
      pid: decision.pid,
    };
    if (decision.result === "failed" || (decision.result === "not_installed" && intent[protection].enabled))
      log.warn(fields, "reconcile: runtime does not match the intent");
    else log.info(fields, "reconcile decision");
    decisions.push(decision);
  }
  const counts = { none: 0, start: 0, adopt: 0, stop: 0, probe: 0, render: 0, skip: 0 } satisfies Record<ReconcileAction, number>;
  for (const d of decisions) counts[d.action] += 1;
  const failed = decisions.filter((d) => d.result === "failed" || (d.result === "not_installed" && intent[d.protection].enabled)).length;
  return { source, intentVersion: intent.version, decisions, counts, failed };
}
