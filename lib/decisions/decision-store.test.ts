import { afterAll, describe, expect, it } from "vitest";
import { cleanupTempDirs } from "../../test/support/databases";
import { decisionDb } from "../../test/support/decision-db";
import { decisionRow, decisionRows } from "../../test/support/decisions";
import type { Db } from "../db";
import { readBlocklistState, replaceActiveDecisions, saveBlocklistState, type PersistedDecision } from "./decision-store";

// The leader's persisted copy of LAPI's active decisions: a replace makes the table exactly the set it
// is given (diffed by decision id, in one transaction), with the sync's counts in blocklist_state.
// Real SQLite files and a real PostgreSQL database.

afterAll(() => cleanupTempDirs());

const NOW = new Date("2026-12-10T09:00:00.000Z");
const LATER = new Date("2026-12-10T09:00:05.000Z");

async function stored(db: Db) {
  const rows = await db.crowdsecDecision.findMany({ orderBy: { id: "asc" } });
  return rows.map(({ syncedAt: _synced, ...row }) => row as PersistedDecision);
}

describe.each(["sqlite", "postgresql"] as const)("decision store on %s", (provider) => {
  const db = decisionDb(provider);

  it("replaces an empty table with 10,000 decisions, then with 10 changes writes only those", async () => {
    const rows = decisionRows(10_000, NOW);
    let started = performance.now();
    expect(await replaceActiveDecisions(db(), rows, NOW)).toEqual({ inserted: 10_000, deleted: 0, updated: 0 });
    const fromEmptyMs = performance.now() - started;
    expect(await stored(db())).toEqual(rows);

    // 3 decisions expire or are deleted, 3 arrive, 4 change (a longer ban, a captcha turned ban).
    const next = rows.filter((r) => ![10, 20, 30].includes(r.id));
    next.push(decisionRow(20_000, NOW), decisionRow(20_001, NOW), decisionRow(20_002, NOW));
    for (const id of [100, 200, 300]) next[next.findIndex((r) => r.id === id)]!.expiresAt = new Date(NOW.getTime() + 7_200_000);
    const captcha = next.findIndex((r) => r.id === 4);
    next[captcha] = { ...next[captcha]!, type: "ban", enforced: true, notEnforcedReason: null };
    started = performance.now();
    expect(await replaceActiveDecisions(db(), next, LATER)).toEqual({ inserted: 3, deleted: 3, updated: 4 });
    const tenChangesMs = performance.now() - started;
    expect(await stored(db())).toEqual([...next].sort((a, b) => a.id - b.id));

    // Unchanged rows keep the time they were written; new and changed ones carry the new sync's.
    const synced = await db().crowdsecDecision.findMany({ where: { id: { in: [1, 4, 100, 20_001] } }, orderBy: { id: "asc" } });
    expect(synced.map((r) => [r.id, r.syncedAt.toISOString()])).toEqual([
      [1, NOW.toISOString()],
      [4, LATER.toISOString()],
      [100, LATER.toISOString()],
      [20_001, LATER.toISOString()],
    ]);
    const notEnforced = next.filter((r) => !r.enforced).length;
    expect(await readBlocklistState(db())).toMatchObject({
      syncedAt: LATER,
      activeCount: 10_000,
      enforcedCount: 10_000 - notEnforced,
      notEnforcedCount: notEnforced,
    });

    // Generous bounds (a loaded CI machine); the figures measured are in the commit that added this.
    expect(fromEmptyMs).toBeLessThan(15_000);
    expect(tenChangesMs).toBeLessThan(5_000);
  });

  it("an empty set empties the table; the same set twice writes nothing", async () => {
    const rows = decisionRows(50, NOW);
    await replaceActiveDecisions(db(), rows, NOW);
    expect(await replaceActiveDecisions(db(), rows, LATER)).toEqual({ inserted: 0, deleted: 0, updated: 0 });
    expect(await replaceActiveDecisions(db(), [], LATER)).toEqual({ inserted: 0, deleted: 50, updated: 0 });
    expect(await db().crowdsecDecision.count()).toBe(0);
    expect(await readBlocklistState(db())).toMatchObject({ syncedAt: LATER, activeCount: 0, enforcedCount: 0, notEnforcedCount: 0 });
  });

  it("refuses a set with a duplicate id or a bad expiry, and leaves the table as it was", async () => {
    const rows = decisionRows(20, NOW);
    await replaceActiveDecisions(db(), rows, NOW);
    await expect(replaceActiveDecisions(db(), [...decisionRows(5, NOW), decisionRow(2, NOW)], LATER)).rejects.toThrow(/decision id 3 appears twice/);
    await expect(replaceActiveDecisions(db(), [{ ...decisionRow(0, NOW), expiresAt: new Date("nope") }], LATER)).rejects.toThrow(/invalid expiry/);
    expect(await stored(db())).toEqual(rows);
    expect((await readBlocklistState(db())).syncedAt).toEqual(NOW);
  });

  it("two replaces at once leave exactly one of the two sets (one writer at a time)", async () => {
    const a = decisionRows(2_000, NOW);
    const b = decisionRows(3_000, NOW).slice(1_000);
    const results = await Promise.all([replaceActiveDecisions(db(), a, NOW), replaceActiveDecisions(db(), b, LATER)]);
    expect(results.every((r) => r.deleted >= 0)).toBe(true);
    const ids = (await stored(db())).map((r) => r.id);
    expect([a.map((r) => r.id), b.map((r) => r.id)]).toContainEqual(ids);
  });

  it("the blocklist state reads as never synced before the first write, and a save changes only the fields given", async () => {
    expect(await readBlocklistState(db())).toEqual({
      syncedAt: null,
      activeCount: 0,
      enforcedCount: 0,
      notEnforcedCount: 0,
      staleSince: null,
      staleReason: null,
      servedGeneration: null,
      updatedAt: null,
    });
    await replaceActiveDecisions(db(), decisionRows(10, NOW), NOW);
    await saveBlocklistState(db(), { staleSince: LATER, staleReason: "LAPI unreachable: connect ECONNREFUSED 127.0.0.1:8080", servedGeneration: 7 });
    expect(await readBlocklistState(db())).toMatchObject({
      syncedAt: NOW,
      activeCount: 10,
      staleSince: LATER,
      staleReason: "LAPI unreachable: connect ECONNREFUSED 127.0.0.1:8080",
      servedGeneration: 7,
    });
    const cleared = await saveBlocklistState(db(), { staleSince: null, staleReason: null });
    expect(cleared).toMatchObject({ syncedAt: NOW, activeCount: 10, staleSince: null, staleReason: null, servedGeneration: 7 });
    expect(cleared.updatedAt).toBeInstanceOf(Date);
  });
});
