import "server-only";
import type { Db } from "../../db";
import { readBlocklistState, replaceActiveDecisions, saveBlocklistState } from "../../decisions/decision-store";
import { log } from "../../log";
import type { BlocklistState } from "./blocklist-state";
import type { ClassifiedDecision } from "./decision-set";

// The leader's copy of the active set and the blocklist's state in the database, for every replica's
// Decisions page and CrowdSec card. Writing 10,000 rows takes a second or more, so it never holds up
// the loop: one write in flight, and a sync that arrives meanwhile replaces the one waiting (the
// latest set is the only one worth writing).

export function databaseDecisionStore(db: Db): {
  persist: (decisions: ClassifiedDecision[] | null, state: BlocklistState) => Promise<void>;
  readState: () => Promise<BlocklistState | null>;
} {
  let running: Promise<void> | null = null;
  let next: { decisions: ClassifiedDecision[] | null; state: BlocklistState } | null = null;

  /** `decisions` null: the state alone changed (the loop went stale). */
  async function write(decisions: ClassifiedDecision[] | null, state: BlocklistState): Promise<void> {
    const syncedAt = state.syncedAt ? new Date(state.syncedAt) : new Date();
    if (decisions)
      await replaceActiveDecisions(
        db,
        decisions.map((d) => ({
          id: d.id,
          value: d.value,
          scope: d.scope,
          type: d.type,
          origin: d.origin,
          scenario: d.scenario,
          expiresAt: d.expiresAt,
          enforced: d.enforced,
          notEnforcedReason: d.notEnforcedReason,
        })),
        syncedAt,
      );
    await saveBlocklistState(db, {
      syncedAt: state.syncedAt ? new Date(state.syncedAt) : null,
      staleSince: state.stale ? new Date(state.stale.since) : null,
      staleReason: state.stale?.reason ?? null,
      servedGeneration: state.written?.generation ?? null,
    });
  }

  function drain(): void {
    if (running || !next) return;
    const job = next;
    next = null;
    running = write(job.decisions, job.state)
      .catch((error: unknown) =>
        log.error({ event: "blocklist.persist_failed", err: error }, "could not persist the active decisions: other replicas show an older set"),
      )
      .finally(() => {
        running = null;
        drain();
      });
  }

  return {
    async persist(decisions, state) {
      // A state-only write never replaces a waiting set: the set carries the newer state anyway.
      next = decisions === null && next?.decisions ? { decisions: next.decisions, state } : { decisions, state };
      drain();
    },
    async readState() {
      const row = await readBlocklistState(db);
      const stale = row.staleSince ? { since: row.staleSince.toISOString(), reason: row.staleReason ?? "unknown" } : null;
      return {
        crowdsecEnabled: row.syncedAt !== null || stale !== null,
        edgeMissing: null,
        syncedAt: row.syncedAt?.toISOString() ?? null,
        stale,
        active: row.activeCount,
        enforced: row.enforcedCount,
        notEnforced: row.notEnforcedCount,
        notEnforcedReasons: {},
        written: null,
      };
    },
  };
}
