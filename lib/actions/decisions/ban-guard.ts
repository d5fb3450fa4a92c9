import "server-only";
import { clientIp } from "../../auth/client-info";
import { rangesOverlap } from "../../decisions/ban-value";
import { parseIp } from "../../decisions/ip-address";
import { BAN_PROBE_ADDRESS, selfBlockConflicts, type SelfBlockNeed } from "../../decisions/self-block";
import type { BanRequest } from "../../decisions/ban-input";
import { env } from "../../env";
import { RATE_PROBE_SOURCE, WAF_PROBE_SOURCE } from "../../engine/edge/probe-request";
import { edgeSettings } from "../../engine/edge/settings";
import type { SecurityIntent } from "../../security/intent";

// The addresses a ban must not cover without the admin confirming: the admin's own (as the panel's
// server resolved it), the proxies in front of the edge and of the panel (banning one blocks
// everyone behind it), loopback, Verify's WAF and rate probes, and the Local API's host.

function lapiHost(intent: SecurityIntent): string | null {
  const url = intent.crowdsec.settings.mode === "external" ? intent.crowdsec.settings.lapiUrl : null;
  if (!url) return null;
  try {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
    return parseIp(host).ok ? host : null;
  } catch {
    return null;
  }
}

function proxies(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "" && parseIp(p).ok);
}

export function panelNeeds(headers: Headers, intent: SecurityIntent): SelfBlockNeed[] {
  const needs: SelfBlockNeed[] = [];
  const own = clientIp(headers);
  if (own && parseIp(own).ok) needs.push({ address: own, why: "the address you are signed in from" });
  for (const p of edgeSettings().trustedProxies)
    needs.push({ address: p, why: "a proxy in front of the edge (WARDEN_EDGE_TRUSTED_PROXIES): every client behind it would be blocked" });
  for (const p of proxies(env().WARDEN_TRUSTED_PROXIES)) needs.push({ address: p, why: "a proxy in front of the panel (WARDEN_TRUSTED_PROXIES)" });
  needs.push({ address: "127.0.0.1", why: "loopback, where the panel and local checks reach the edge" });
  needs.push({ address: WAF_PROBE_SOURCE, why: "Verify's WAF probe" });
  needs.push({ address: RATE_PROBE_SOURCE, why: "Verify's rate-limit probe" });
  const lapi = lapiHost(intent);
  if (lapi) needs.push({ address: lapi, why: "the CrowdSec Local API" });
  return needs;
}

/** The needs a ban covers: addresses inside it, and ranges (proxies) it shares any address with. */
export function banConflicts(ban: Pick<BanRequest, "value" | "family" | "prefix">, needs: readonly SelfBlockNeed[]): SelfBlockNeed[] {
  const singles = needs.filter((n) => !n.address.includes("/"));
  const ranges = needs.filter((n) => n.address.includes("/"));
  const exempt = ban.value === BAN_PROBE_ADDRESS;
  const network = ban.value.split("/")[0]!;
  return [...selfBlockConflicts(ban, singles), ...(exempt ? [] : ranges.filter((n) => rangesOverlap(n.address, `${network}/${ban.prefix}`)))];
}
