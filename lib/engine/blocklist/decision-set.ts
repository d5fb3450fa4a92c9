import { parseBanValue } from "../../decisions/ban-value";
import type { LapiDecision } from "./lapi-client";

// LAPI's active decisions sorted into what the edge enforces (bans on an address or a range, values
// that pass the ban grammar) and what it cannot (captcha, country or AS scopes, a value that is not an
// address, a range wider than the panel would ban), each with its reason. The edge's blocklist is
// the sorted, unique canonical values of the first kind.

export interface ClassifiedDecision extends LapiDecision {
  /** The canonical value the blocklist carries (null when not enforced). */
  canonical: string | null;
  enforced: boolean;
  notEnforcedReason: string | null;
  expiresAt: Date;
}

export interface DecisionSet {
  decisions: ClassifiedDecision[];
  /** Sorted unique canonical values: the blocklist. */
  entries: string[];
  enforced: number;
  notEnforced: number;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** A Go duration ("3h59m58.52s", "-1.5s") in milliseconds; null when it is not one. */
export function goDurationMs(text: string): number | null {
  const m = /^(-)?((?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+)$/.exec(text.trim());
  if (!m) return null;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(part[1]) * UNIT_MS[part[2]!]!;
  return m[1] ? -total : total;
}

function notEnforced(d: LapiDecision): string | null {
  if (d.type.toLowerCase() !== "ban") return `a ${d.type || "typeless"} decision: the edge enforces bans only`;
  const scope = d.scope.toLowerCase();
  if (scope !== "ip" && scope !== "range") return `scope ${d.scope || "(none)"}: the edge enforces addresses and ranges only`;
  return null;
}

export function classifyDecisions(list: LapiDecision[], now = new Date()): DecisionSet {
  const entries = new Set<string>();
  let enforced = 0;
  const decisions = list.map((d): ClassifiedDecision => {
    const left = goDurationMs(d.duration);
    const expiresAt = new Date(now.getTime() + Math.max(0, left ?? 0));
    const refused = notEnforced(d);
    if (refused) return { ...d, canonical: null, enforced: false, notEnforcedReason: refused, expiresAt };
    const parsed = parseBanValue(d.value);
    if (!parsed.ok) return { ...d, canonical: null, enforced: false, notEnforcedReason: parsed.message, expiresAt };
    entries.add(parsed.value);
    enforced += 1;
    return { ...d, canonical: parsed.value, enforced: true, notEnforcedReason: null, expiresAt };
  });
  return { decisions, entries: [...entries].sort(), enforced, notEnforced: decisions.length - enforced };
}
