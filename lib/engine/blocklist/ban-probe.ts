import "server-only";
import { performance } from "node:perf_hooks";
import { BAN_PROBE_ADDRESS } from "../../decisions/self-block";
import type { SecurityIntent } from "../../security/intent";
import type { CrowdsecRuntimeSettings } from "../crowdsec/settings";
import { probeRequest, type ProbeAnswer } from "../edge/probe-request";
import { PROBE_PATH } from "../edge/render-nginx";
import type { EdgeRuntimeSettings } from "../edge/settings";
import type { DecisionLoop } from "./decision-loop";
import { LapiClient } from "./lapi-client";
import { lapiAccess } from "./lapi-credentials";

// Verify's ban check: ban Verify's own address (127.0.0.5) for a minute through LAPI, expect the edge
// to answer it 403 marked as a ban, unban, expect 200 again; the two times are reported apart from the
// WAF and rate probes. The probe location logs nothing CrowdSec reads, and the ban is always removed.

export interface BanProbe {
  verdict: "enforcing" | "not_enforcing" | "not_probed" | "off";
  ok: boolean;
  summary: string;
  /** LAPI accepted the ban → the edge's first 403 (ban) to 127.0.0.5. */
  banToBlockMs?: number;
  /** LAPI deleted it → the edge's first 200. */
  unbanToPassMs?: number;
  ms: number;
}

const WAIT_MS = 5_000;
/** The reason Verify's bans carry: its alerts are left out of the Alerts page (one per run would bury the real ones). */
export const VERIFY_BAN_REASON = "Warden Verify: ban check";

/**
 * Polls from 127.0.0.5 until `accept` holds for three answers in a row (during a reload the previous
 * workers still answer new connections for a few milliseconds); the time is that of the first.
 */
async function until(edge: EdgeRuntimeSettings, host: string, accept: (a: ProbeAnswer) => boolean): Promise<{ answer: ProbeAnswer; ms: number } | null> {
  const t0 = performance.now();
  let first: number | null = null;
  let streak = 0;
  while (performance.now() - t0 < WAIT_MS) {
    const answer = await probeRequest(edge, { host, path: PROBE_PATH, source: BAN_PROBE_ADDRESS, timeoutMs: 2_000 });
    if (accept(answer)) {
      first ??= Math.round(performance.now() - t0);
      if (++streak >= 3) return { answer, ms: first };
    } else {
      first = null;
      streak = 0;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  return null;
}

const seen = (a: ProbeAnswer) => (a.ok ? `HTTP ${a.status}${a.banned ? " (ban)" : ""}` : a.error);

export async function probeBan(
  edge: EdgeRuntimeSettings,
  crowdsec: CrowdsecRuntimeSettings,
  intent: SecurityIntent,
  host: string,
  loop: DecisionLoop | null,
): Promise<BanProbe> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  if (!intent.crowdsec.enabled) return { verdict: "off", ok: true, summary: "CrowdSec is off: no ban sent", ms: 0 };
  const access = await lapiAccess(intent, crowdsec);
  if (!access.machine) return { verdict: "not_probed", ok: false, summary: `the ban check needs machine credentials: ${access.machineProblem}`, ms: ms() };
  const client = new LapiClient(access);
  const before = await probeRequest(edge, { host, path: PROBE_PATH, source: BAN_PROBE_ADDRESS });
  if (!before.ok || before.status !== 200) {
    return { verdict: "not_probed", ok: false, summary: `${BAN_PROBE_ADDRESS} was not served before the ban (${seen(before)})`, ms: ms() };
  }
  let banToBlockMs: number | undefined;
  try {
    await client.ban({ value: BAN_PROBE_ADDRESS, scope: "Ip", duration: "1m", reason: VERIFY_BAN_REASON });
    loop?.kick();
    const blocked = await until(edge, host, (a) => a.ok && a.status === 403 && a.banned);
    if (!blocked)
      return { verdict: "not_enforcing", ok: false, summary: `a ban of ${BAN_PROBE_ADDRESS} accepted by LAPI was not enforced within ${WAIT_MS} ms`, ms: ms() };
    banToBlockMs = blocked.ms;
  } catch (error) {
    return { verdict: "not_probed", ok: false, summary: `LAPI did not take the ban check's ban: ${(error as Error).message}`, ms: ms() };
  } finally {
    await client.unbanIp(BAN_PROBE_ADDRESS).catch(() => 0);
  }
  loop?.kick();
  const passed = await until(edge, host, (a) => a.ok && a.status === 200);
  if (!passed)
    return {
      verdict: "not_enforcing",
      ok: false,
      summary: `after the unban, ${BAN_PROBE_ADDRESS} was still refused ${WAIT_MS} ms later`,
      banToBlockMs,
      ms: ms(),
    };
  return {
    verdict: "enforcing",
    ok: true,
    summary: `ban → 403 in ${banToBlockMs} ms, unban → 200 in ${passed.ms} ms`,
    banToBlockMs,
    unbanToPassMs: passed.ms,
    ms: ms(),
  };
}
