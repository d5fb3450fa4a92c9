import "server-only";
import { dbProvider, type Db, type Tx } from "../db";

// The persisted CrowdSec active decision set: a cache of LAPI's state that the elected leader writes
// after each sync, so every replica lists decisions without asking LAPI. Not intent (LAPI is the source
// of truth; a ban or unban is audited by its action), so it has no audit row of its own.
//
// A replace diffs by LAPI's decision id and writes only what changed, in chunks, in one transaction:
// readers see the old set or the new one, never half of it.

export interface PersistedDecision {
  id: number;
  value: string;
  scope: string;
  type: string;
  origin: string;
  scenario: string;
  expiresAt: Date;
  enforced: boolean;
  notEnforcedReason: string | null;
}

export interface BlocklistState {
  syncedAt: Date | null;
  activeCount: number;
  enforcedCount: number;
  notEnforcedCount: number;
  staleSince: Date | null;
  staleReason: string | null;
  servedGeneration: number | null;
  /** null until the row exists */
  updatedAt: Date | null;
}

export type BlocklistStateChange = Partial<Omit<BlocklistState, "updatedAt">>;

export interface ReplaceResult {
  inserted: number;
  deleted: number;
  updated: number;
}

/** Rows per statement: at 10 parameters a row, well under SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const CHUNK = 500;
/** A 10,000-row replace from empty takes well under a second; this leaves room for a slow disk. */
const TX_OPTIONS = { timeout: 60_000, maxWait: 10_000 };
const STATE_ID = 1;

const chunks = <T>(items: readonly T[]): T[][] => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));

function sameDecision(a: PersistedDecision, b: PersistedDecision): boolean {
  return (
    a.value === b.value &&
    a.scope === b.scope &&
    a.type === b.type &&
    a.origin === b.origin &&
    a.scenario === b.scenario &&
    a.expiresAt.getTime() === b.expiresAt.getTime() &&
    a.enforced === b.enforced &&
    a.notEnforcedReason === b.notEnforcedReason
  );
}

function checkRows(rows: readonly PersistedDecision[]): void {
  const seen = new Set<number>();
  for (const row of rows) {
    if (!Number.isSafeInteger(row.id) || row.id < 0 || row.id > 2_147_483_647) throw new Error(`replaceActiveDecisions: decision id ${row.id} is out of range`);
    if (seen.has(row.id)) throw new Error(`replaceActiveDecisions: decision id ${row.id} appears twice`);
    if (Number.isNaN(row.expiresAt.getTime())) throw new Error(`replaceActiveDecisions: decision ${row.id} has an invalid expiry`);
    seen.add(row.id);
  }
}

/** One writer at a time (a leader hand-over may overlap the old leader's last write); readers are not blocked. */
async function lockDecisions(tx: Tx, provider: ReturnType<typeof dbProvider>): Promise<void> {
  // SQLite: a write statement takes the database's write lock for the rest of the transaction.
  if (provider === "sqlite") await tx.$executeRawUnsafe(`DELETE FROM "crowdsec_decisions" WHERE 0 = 1`);
  else await tx.$executeRawUnsafe(`LOCK TABLE "crowdsec_decisions" IN EXCLUSIVE MODE`);
}

const COLUMNS = ["id", "value", "scope", "type", "origin", "scenario", "expires_at", "enforced", "not_enforced_reason", "synced_at"];

/**
 * One multi-row INSERT. Not Prisma's createMany: its query compiler spends about 0.4 ms a row (4 s for
 * 10,000), ten times this statement. The adapters write the parameters (dates, booleans) as Prisma does.
 */
async function insertDecisions(tx: Tx, provider: ReturnType<typeof dbProvider>, rows: readonly PersistedDecision[], syncedAt: Date): Promise<void> {
  let n = 0;
  const placeholder = provider === "sqlite" ? () => "?" : () => `$${++n}`;
  const values = rows.map(() => `(${COLUMNS.map(placeholder).join(", ")})`).join(", ");
  const params = rows.flatMap((r) => [r.id, r.value, r.scope, r.type, r.origin, r.scenario, r.expiresAt, r.enforced, r.notEnforcedReason, syncedAt]);
  await tx.$executeRawUnsafe(`INSERT INTO "crowdsec_decisions" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${values}`, ...params);
}

/**
 * Makes the table exactly `rows` (LAPI's active set at `syncedAt`) and records that sync and its counts
 * in blocklist_state, in one transaction. Unchanged rows are not written (they keep their synced_at).
 */
export async function replaceActiveDecisions(db: Db, rows: PersistedDecision[], syncedAt: Date): Promise<ReplaceResult> {
  checkRows(rows);
  const provider = dbProvider(db);
  const enforced = rows.filter((r) => r.enforced).length;
  return db.$transaction(async (tx) => {
    await lockDecisions(tx, provider);
    const existing = new Map<number, PersistedDecision>();
    for (const row of await tx.crowdsecDecision.findMany({ omit: { syncedAt: true } })) existing.set(row.id, row);

    const wanted = new Set(rows.map((r) => r.id));
    const gone = [...existing.keys()].filter((id) => !wanted.has(id));
    const fresh: PersistedDecision[] = [];
    const changed: PersistedDecision[] = [];
    for (const row of rows) {
      const before = existing.get(row.id);
      if (!before) fresh.push(row);
      else if (!sameDecision(before, row)) changed.push(row);
    }

    // A changed row is deleted and inserted again: two statements per chunk instead of one per row.
    for (const ids of chunks([...gone, ...changed.map((r) => r.id)])) await tx.crowdsecDecision.deleteMany({ where: { id: { in: ids } } });
    for (const batch of chunks([...fresh, ...changed])) await insertDecisions(tx, provider, batch, syncedAt);
    const counts = { syncedAt, activeCount: rows.length, enforcedCount: enforced, notEnforcedCount: rows.length - enforced };
    await tx.blocklistState.upsert({ where: { id: STATE_ID }, create: { id: STATE_ID, ...counts }, update: counts });
    return { inserted: fresh.length, deleted: gone.length, updated: changed.length };
  }, TX_OPTIONS);
}

const EMPTY_STATE: BlocklistState = {
  syncedAt: null,
  activeCount: 0,
  enforcedCount: 0,
  notEnforcedCount: 0,
  staleSince: null,
  staleReason: null,
  servedGeneration: null,
  updatedAt: null,
};

/** The blocklist's state; before the leader's first write, an empty state (never synced). */
export async function readBlocklistState(db: Db | Tx): Promise<BlocklistState> {
  const row = await db.blocklistState.findUnique({ where: { id: STATE_ID }, omit: { id: true } });
  return row ?? { ...EMPTY_STATE };
}

/** Sets the given fields of the blocklist's state (the others keep their value); returns the state written. */
export async function saveBlocklistState(db: Db, change: BlocklistStateChange): Promise<BlocklistState> {
  const data = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as BlocklistStateChange;
  return db.blocklistState.upsert({ where: { id: STATE_ID }, create: { id: STATE_ID, ...data }, update: data, omit: { id: true } });
}
