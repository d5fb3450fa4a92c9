import "server-only";
import pg from "pg";
import { advisoryLockSql } from "../advisory-locks";
import { providerOf, redactUrl } from "../db-url";
import { log } from "../log";

// Several panel replicas may share one PostgreSQL; only one at a time runs the
// reconciler and the drift detector, elected by a PostgreSQL advisory lock; the others serve the
// snapshot the leader persists (GET /api/security/drift reads `drift_snapshots` when this process
// runs no detector). The lock is session-level on a dedicated connection: it is held as long as the
// leader's connection lives and released by PostgreSQL when the process dies, so a follower, trying
// again every `retryMs`, takes over. With SQLite (one process by construction) this process leads.

export const LEADER_RETRY_MS = 5_000;

export interface LeaderCallbacks {
  /** This process became the leader: start the reconciler and the detector. */
  onElected: () => void | Promise<void>;
  /** Leadership was lost (the lock's connection broke): stop them; the election runs again. */
  onLost: () => void | Promise<void>;
}

export interface Leadership {
  isLeader(): boolean;
  /** Gives up leadership (or the candidacy) and closes the connection. */
  stop(): Promise<void>;
}

export function electLeader(url: string, callbacks: LeaderCallbacks, retryMs = LEADER_RETRY_MS): Leadership {
  if (providerOf(url) === "sqlite") {
    void callbacks.onElected();
    return { isLeader: () => true, stop: async () => undefined };
  }
  let leader = false;
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let announcedFollower = false;

  const retry = () => {
    if (stopped) return;
    timer = setTimeout(() => void attempt(), retryMs);
    timer.unref?.();
  };

  const lose = async (reason: string) => {
    if (!leader) return;
    leader = false;
    log.warn(
      { event: "leader_lost", source: "lib/reconcile/leader", reason },
      "lost the leader lock: the reconciler and drift detector stop here until it is won again",
    );
    await callbacks.onLost();
    retry();
  };

  const attempt = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url });
    c.on("error", (error) => void lose(`connection error: ${error.message}`));
    try {
      await c.connect();
      const { rows } = await c.query<{ ok: boolean }>(advisoryLockSql.tryLock("leader"));
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      if (!rows[0]?.ok) {
        await c.end().catch(() => undefined);
        if (!announcedFollower) {
          log.info(
            { event: "leader_follower", source: "lib/reconcile/leader" },
            "another replica runs the reconciler and the drift detector; this one serves their persisted snapshot",
          );
          announcedFollower = true;
        }
        retry();
        return;
      }
      client = c;
      leader = true;
      announcedFollower = false;
      c.on("end", () => void lose("connection closed"));
      log.info(
        { event: "leader_elected", source: "lib/reconcile/leader", database: redactUrl(url) },
        "this replica runs the reconciler and the drift detector",
      );
      await callbacks.onElected();
    } catch (error) {
      await c.end().catch(() => undefined);
      log.warn({ event: "leader_election_failed", source: "lib/reconcile/leader", reason: (error as Error).message }, "leader election failed; retrying");
      retry();
    }
  };

  void attempt();
  return {
    isLeader: () => leader,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      leader = false;
      await c?.end().catch(() => undefined);
    },
  };
}
