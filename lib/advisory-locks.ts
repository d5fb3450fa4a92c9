// Every PostgreSQL advisory lock Warden takes, by name. Advisory keys live in one namespace per
// database: two features that picked the same number would wait on each other (first-admin setup
// once waited forever behind the elected replica, which holds its key for its whole life). The SQL
// that takes or releases a lock is built here only; `advisory-locks.test.ts` fails on any
// `pg_*advisory*` call elsewhere in the code.

export const ADVISORY_LOCKS = {
  /** Prisma's own migration lock: Warden's migrator and `prisma migrate` exclude each other. */
  migrate: 72_707_369,
  /** Serialises intent writers while the security config row does not exist yet (nothing to row-lock). */
  intent: 727_073_700,
  /** Held for life by the replica that runs the reconciler and the drift detector. */
  leader: 727_073_701,
  /** First-admin setup: the check "no admin yet" and the insert, one submission at a time. */
  firstAdmin: 727_073_702,
  /**
   * "A panel uses this database": every replica holds it shared for its whole life; `restore` takes it
   * exclusively (no wait), so it refuses while any panel runs.
   */
  panelInUse: 727_073_703,
} as const;

export type AdvisoryLockName = keyof typeof ADVISORY_LOCKS;

/** SQL for one lock; keys come only from the registry above. */
export const advisoryLockSql = {
  /** Session lock, waits: `SELECT pg_advisory_lock(key)`. */
  lock: (name: AdvisoryLockName) => `SELECT pg_advisory_lock(${ADVISORY_LOCKS[name]})`,
  /** Session lock, no wait: one row `{ ok: boolean }`. */
  tryLock: (name: AdvisoryLockName) => `SELECT pg_try_advisory_lock(${ADVISORY_LOCKS[name]}) AS ok`,
  unlock: (name: AdvisoryLockName) => `SELECT pg_advisory_unlock(${ADVISORY_LOCKS[name]})`,
  /** Shared session lock, waits (many holders at once; excludes an exclusive holder). */
  lockShared: (name: AdvisoryLockName) => `SELECT pg_advisory_lock_shared(${ADVISORY_LOCKS[name]})`,
  /** Transaction lock, waits; released at COMMIT or ROLLBACK. */
  xactLock: (name: AdvisoryLockName) => `SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS[name]})`,
};
