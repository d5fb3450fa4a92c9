import type { WafEvent } from "../../engine/edge/waf-events";
import type { SiteRecord } from "../../sites/site-read";

// Which site a WAF event belongs to, by its Host header, as nginx routes it: an exact host name wins,
// then the longest wildcard (`*.example.com` covers any name ending in `.example.com`, not the bare
// domain). The exclusion rules the edge renders key on the same Host header, so "Exclude this rule
// for this site" excludes it for the requests the event stands for.

/**
 * The CRS rules that turn the anomaly score into a verdict (and report it). Excluding one would not
 * tune a false positive: it would stop the WAF refusing anything for the site.
 */
export const SCORE_RULES: ReadonlySet<number> = new Set([949110, 959100, 980130, 980140]);

export interface EventSite {
  id: number;
  /** The site's first host name: its name on screen. */
  name: string;
  hosts: string[];
}

/** What "Exclude this rule for this site" can do for one rule of an event. */
export type RuleExclusion =
  /** The button: the event has a site, and the rule is not excluded for it. */
  | "excludable"
  /** Already excluded for the event's site (the event predates the exclusion, or it is not applied yet). */
  | "excluded"
  /** An anomaly-score verdict (SCORE_RULES): exclude the rules that added to the score instead. */
  | "score"
  /** No site serves the event's host name (removed since, or a request for an unknown host). */
  | "no-site";

export interface WafEventRule {
  ruleId: number;
  messages: string[];
  exclusion: RuleExclusion;
}

export interface WafEventRow extends Omit<WafEvent, "messages" | "ruleIds"> {
  site: EventSite | null;
  rules: WafEventRule[];
}

function wildcardCovers(pattern: string, host: string): boolean {
  return pattern.startsWith("*.") && host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
}

/** The site nginx routes `host` to, among `sites`; null when none serves it. */
export function siteForHost<S extends Pick<SiteRecord, "hosts">>(host: string, sites: readonly S[]): S | null {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "") return null;
  const exact = sites.find((s) => s.hosts.includes(name));
  if (exact) return exact;
  let best: { site: S; length: number } | null = null;
  for (const site of sites) {
    for (const pattern of site.hosts) {
      if (wildcardCovers(pattern, name) && (best === null || pattern.length > best.length)) best = { site, length: pattern.length };
    }
  }
  return best?.site ?? null;
}

/** An event with its site and, per rule, what excluding it for that site would do. */
export function toEventRow(event: WafEvent, sites: readonly SiteRecord[]): WafEventRow {
  const { messages, ruleIds, ...rest } = event;
  const site = siteForHost(event.host, sites);
  const excluded = new Set(site?.exclusions.map((e) => e.ruleId) ?? []);
  const rules = ruleIds.map((ruleId): WafEventRule => {
    const exclusion: RuleExclusion = site === null ? "no-site" : excluded.has(ruleId) ? "excluded" : SCORE_RULES.has(ruleId) ? "score" : "excludable";
    return { ruleId, messages: messages.filter((m) => m.ruleId === ruleId).map((m) => m.message), exclusion };
  });
  return { ...rest, site: site && { id: site.id, name: site.hosts[0] ?? "", hosts: site.hosts }, rules };
}
