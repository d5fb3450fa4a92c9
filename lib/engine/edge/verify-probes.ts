import "server-only";
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import type { SecurityIntent } from "../../security/intent";
import { probeControl } from "./control";
import type { EdgeIntent, EdgeSite } from "./edge-intent";
import { findAuditEntry } from "./probe-audit";
import { probeRequest, RATE_PROBE_SOURCE, WAF_PROBE_SOURCE, type ProbeAnswer } from "./probe-request";
import { PROBE_PATH } from "./render-nginx";
import { rateProbePlan, type RatePlan } from "./rate-plan";
import type { EdgeRuntimeSettings } from "./settings";
import type { BanProbe } from "../blocklist/ban-probe";

// Verify protection: the requests an attacker would send, through the edge's public listener, to
// Warden's probe location in each site (it carries the site's WAF and rate limit and answers from a
// static file), and what the edge did with them. A benign request (200 from the probe file), an attack
// from 127.0.0.3 (403 = enforcing, passed and logged = detecting), a burst from 127.0.0.4 past rate +
// burst (429 = enforcing). What was seen is judged against the intent; nothing is ever called
// enforcing that no probe saw refused.

export type ProbeVerdict = "enforcing" | "detecting" | "not_enforcing" | "not_probed" | "off";

export interface ProtectionProbe {
  verdict: ProbeVerdict;
  /** What was seen, in one sentence ("403 with rules 941100, 949110"). */
  summary: string;
  /** The verdict the intent asks for; a result short of it is a failure. */
  expected: ProbeVerdict;
  ok: boolean;
  ruleIds?: number[];
  /** Requests that passed before the first 429. */
  passedBefore429?: number;
  ms: number;
}

export interface SiteProbe {
  siteId: string;
  /** The Host header the probes carried. */
  host: string;
  benign: { ok: boolean; summary: string };
  waf: ProtectionProbe;
  rate: ProtectionProbe;
}

export interface VerifyRun {
  at: string;
  ms: number;
  /** The generation served when the probes started (null when the edge did not answer). */
  generation: number | null;
  /** Why nothing could be probed (the edge not running), else null. */
  problem: string | null;
  sites: SiteProbe[];
  /** One sentence per enabled protection that the probes did not see enforced, per site. */
  failures: string[];
  /** CrowdSec's ban check (127.0.0.5 banned, 403, unbanned, 200): once per run, not per site. */
  ban?: BanProbe | null;
}

/** The Host a probe carries for a site: its first exact name, else its wildcard with a label. */
export function probeHost(site: Pick<EdgeSite, "hostnames">): string {
  const exact = site.hostnames.find((h) => !h.startsWith("*."));
  return exact ?? `warden-probe.${site.hostnames[0]!.slice(2)}`;
}

const ATTACK = `${PROBE_PATH}?q=${encodeURIComponent("<script>alert(1)</script>")}&id=${encodeURIComponent("1' OR '1'='1")}`;

function answerText(a: ProbeAnswer): string {
  return a.ok ? `HTTP ${a.status}` : a.error;
}

async function probeWaf(s: EdgeRuntimeSettings, host: string, expected: ProbeVerdict): Promise<ProtectionProbe> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  if (expected === "off") return { verdict: "off", expected, ok: true, summary: "off: no attack sent", ms: 0 };
  const a = await probeRequest(s, { host, path: ATTACK, source: WAF_PROBE_SOURCE });
  const judge = (verdict: ProbeVerdict, summary: string, ruleIds?: number[]): ProtectionProbe => ({
    verdict,
    expected,
    ok: verdict === expected,
    summary,
    ...(ruleIds ? { ruleIds } : {}),
    ms: ms(),
  });
  if (!a.ok) return judge("not_enforcing", `the attack got no answer: ${a.error}`);
  // ModSecurity writes the entry in its logging phase, after the answer; on a loaded machine (CI: the
  // edge's worker sharing two cores with a test suite) that has been seen to take over a second.
  const entry = a.requestId ? await findAuditEntry(s, a.requestId, 3_000) : null;
  const rules = entry?.ruleIds ?? [];
  const ruleText = rules.length ? ` (rules ${rules.join(", ")})` : "";
  if (a.status === 403) return judge("enforcing", `an attack got 403${ruleText}`, rules);
  if (a.status === 200 && rules.length) return judge("detecting", `an attack passed (200) and was logged${ruleText}`, rules);
  // The WAF runs before the rate limit (phases): a 429 means the WAF let the attack through.
  if (a.status === 429 && rules.length)
    return judge("detecting", `an attack passed the WAF and was logged${ruleText}, then the rate limit refused it (429)`, rules);
  if (a.status === 429) return judge("not_enforcing", "an attack passed the WAF unlogged, then the rate limit refused it (429)");
  if (a.status === 200) return judge("not_enforcing", "an attack passed (200) and nothing was logged");
  return judge("not_enforcing", `an attack got ${answerText(a)}`);
}

async function probeRate(s: EdgeRuntimeSettings, host: string, plan: RatePlan): Promise<ProtectionProbe> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  if (plan.kind === "off") return { verdict: "off", expected: "off", ok: true, summary: "off: no burst sent", ms: 0 };
  if (plan.kind === "too_high") return { verdict: "not_probed", expected: "not_probed", ok: true, summary: plan.reason, ms: 0 };
  const abort = new AbortController();
  // Every request of the burst listens on this one signal.
  setMaxListeners(plan.requests + 10, abort.signal);
  let passed = 0;
  let refused: number | null = null;
  const other: string[] = [];
  let sent = 0;
  const worker = async () => {
    while (sent < plan.requests && refused === null) {
      sent += 1;
      const a = await probeRequest(s, { host, path: PROBE_PATH, source: RATE_PROBE_SOURCE, signal: abort.signal, timeoutMs: 10_000 });
      if (refused !== null) return;
      if (a.ok && a.status === 429) {
        refused = passed;
        abort.abort();
      } else if (a.ok && a.status === 200) passed += 1;
      else if (other.length < 3) other.push(answerText(a));
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.requests) }, worker));
  const base = { expected: "enforcing" as const, ms: ms() };
  if (refused !== null) return { ...base, verdict: "enforcing", ok: true, summary: `429 after ${refused} requests`, passedBefore429: refused };
  const seen = other.length ? ` (also seen: ${other.join("; ")})` : "";
  return { ...base, verdict: "not_enforcing", ok: false, summary: `${passed} of ${plan.requests} requests passed without a 429${seen}` };
}

/**
 * Probes each enabled site of `served` (the edge intent of the generation the edge serves), judged
 * against `intent`. `siteIds` limits it to some sites. Never throws for what the edge does.
 */
export async function verifyEdge(s: EdgeRuntimeSettings, intent: SecurityIntent, served: EdgeIntent | null, siteIds?: string[]): Promise<VerifyRun> {
  const t0 = performance.now();
  const at = new Date().toISOString();
  const done = (run: Omit<VerifyRun, "at" | "ms">): VerifyRun => ({ at, ms: Math.round(performance.now() - t0), ...run });
  const before = await probeControl(s);
  const sites = (served?.sites ?? []).filter((x) => x.enabled && (!siteIds || siteIds.includes(x.id)));
  const wanted = (intent.waf.enabled ? 1 : 0) + (intent.rate_limit.enabled ? 1 : 0);
  if (!before.ok) {
    const problem = `the edge is not serving: ${before.error}`;
    return done({ generation: null, problem, sites: [], failures: wanted ? [`Nothing could be verified: ${problem}.`] : [] });
  }
  if (sites.length === 0) {
    const problem = "no enabled site to probe";
    return done({ generation: before.generation, problem, sites: [], failures: wanted ? [`Nothing could be verified: ${problem}.`] : [] });
  }
  const results: SiteProbe[] = [];
  for (const site of sites) {
    const host = probeHost(site);
    const benign = await probeRequest(s, { host, path: PROBE_PATH, source: WAF_PROBE_SOURCE });
    // 429: the location answered, from behind the site's rate limit (earlier probes from this address).
    const benignOk = benign.ok && (benign.status === 200 || benign.status === 429);
    const wafExpected: ProbeVerdict = !intent.waf.enabled || site.waf === "off" ? "off" : intent.waf.settings.mode === "block" ? "enforcing" : "detecting";
    const waf = await probeWaf(s, host, wafExpected);
    const rate = await probeRate(s, host, rateProbePlan(intent, site));
    const benignText = !benignOk ? answerText(benign) : benign.ok && benign.status === 429 ? "rate limited (429)" : "200 from the probe file";
    results.push({ siteId: site.id, host, benign: { ok: benignOk, summary: benignText }, waf, rate });
  }
  const after = await probeControl(s);
  if (!after.ok || after.generation !== before.generation) {
    const problem = `the edge reloaded during the probe (generation ${before.generation} → ${after.ok ? after.generation : "none"}): run Verify again`;
    return done({ generation: before.generation, problem, sites: results, failures: wanted ? [`Not verified: ${problem}.`] : [] });
  }
  const failures: string[] = [];
  for (const r of results) {
    if (!r.benign.ok) failures.push(`${r.host}: the probe location did not answer as expected (${r.benign.summary}).`);
    if (!r.waf.ok) failures.push(`${r.host}: WAF ${r.waf.expected === "enforcing" ? "not enforcing" : "not detecting"}: ${r.waf.summary}.`);
    if (!r.rate.ok) failures.push(`${r.host}: rate limit not enforcing: ${r.rate.summary}.`);
  }
  return done({ generation: before.generation, problem: null, sites: results, failures });
}
