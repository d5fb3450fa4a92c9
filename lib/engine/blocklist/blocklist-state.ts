import type { BlocklistApplyReport } from "./blocklist-runtime";
import type { DecisionSet } from "./decision-set";

// What the decision loop knows of the blocklist (kept in memory on the leader, persisted for the
// other replicas, shown on the CrowdSec card).

export interface BlocklistState {
  crowdsecEnabled: boolean;
  /** The edge's packages are missing: decisions are read and listed, none is enforced. */
  edgeMissing: string | null;
  /** The last full read of LAPI's active set that reached the edge. */
  syncedAt: string | null;
  stale: { since: string; reason: string } | null;
  active: number;
  enforced: number;
  notEnforced: number;
  /** Why decisions are not enforced, with how many. */
  notEnforcedReasons: Record<string, number>;
  /** The blocklist last written or served by this loop. */
  written: { generation: number; count: number; hash: string; action: BlocklistApplyReport["action"]; at: string } | null;
}

/** The counts of a classified set, with the reasons decisions are not enforced. */
export function stateCounts(set: DecisionSet): Pick<BlocklistState, "active" | "enforced" | "notEnforced" | "notEnforcedReasons"> {
  const notEnforcedReasons: Record<string, number> = {};
  for (const d of set.decisions) if (d.notEnforcedReason) notEnforcedReasons[d.notEnforcedReason] = (notEnforcedReasons[d.notEnforcedReason] ?? 0) + 1;
  return { active: set.decisions.length, enforced: set.enforced, notEnforced: set.notEnforced, notEnforcedReasons };
}

/** CrowdSec off: the edge serves an empty blocklist (the report of the apply that emptied it). */
export function offState(report: Pick<BlocklistApplyReport, "generation" | "hash" | "action">): BlocklistState {
  return {
    crowdsecEnabled: false,
    edgeMissing: null,
    syncedAt: null,
    stale: null,
    active: 0,
    enforced: 0,
    notEnforced: 0,
    notEnforcedReasons: {},
    written: { generation: report.generation, count: 0, hash: report.hash, action: report.action, at: new Date().toISOString() },
  };
}
