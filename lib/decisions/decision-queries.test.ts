import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupTempDirs } from "../../test/support/databases";
import { decisionDb } from "../../test/support/decision-db";
import { decisionRows } from "../../test/support/decisions";
import { ValidationError } from "../errors";
import { listDecisions } from "./decision-queries";
import { replaceActiveDecisions, saveBlocklistState, type PersistedDecision } from "./decision-store";
import { originKind } from "./decision-types";

// The Decisions page's list over 10,000 persisted decisions: every filter, the search, the sort and
// the paging give what a plain scan of the same rows gives, expired rows are left out, and a bad query
// is refused naming its field. Real SQLite and PostgreSQL (whose test databases sort text bytewise,
// C.UTF-8, as SQLite does).

afterAll(() => cleanupTempDirs());

const SYNCED = new Date("2026-12-10T09:00:00.000Z");
/** The list is read 10 minutes after the sync: decisions that had less than that left have expired. */
const NOW = new Date(SYNCED.getTime() + 600_000);
const ROWS = decisionRows(10_000, SYNCED);
const ACTIVE = ROWS.filter((r) => r.expiresAt > NOW);

const KNOWN: Record<string, string> = { crowdsec: "scenario", cscli: "manual", warden: "panel" };

/** What the list must hold, by a plain scan: filters, then expiry order (id breaking ties). */
function expected(filter: (r: PersistedDecision) => boolean, order: "asc" | "desc" | "value" = "asc"): number[] {
  const rows = ACTIVE.filter(filter);
  rows.sort((a, b) => {
    if (order === "value") return a.value < b.value ? -1 : a.value > b.value ? 1 : a.id - b.id;
    const d = a.expiresAt.getTime() - b.expiresAt.getTime() || a.id - b.id;
    return order === "asc" ? d : -d;
  });
  return rows.map((r) => r.id);
}

describe.each(["sqlite", "postgresql"] as const)("decision list on %s", (provider) => {
  const db = decisionDb(provider, { perFile: true });
  beforeAll(async () => {
    await replaceActiveDecisions(db(), ROWS, SYNCED);
  }, 60_000);

  it("pages through the active set in expiry order, with the whole set's counts and the sync time", async () => {
    expect(ACTIVE.length).toBeLessThan(ROWS.length); // some did expire
    const first = await listDecisions(db(), {}, NOW);
    const all = expected(() => true);
    expect(first.total).toBe(all.length);
    expect(first.page).toBe(1);
    expect(first.pageSize).toBe(50);
    expect(first.rows.map((r) => r.id)).toEqual(all.slice(0, 50));
    const notEnforced = ACTIVE.filter((r) => !r.enforced).length;
    expect(first.counts).toEqual({ active: ACTIVE.length, enforced: ACTIVE.length - notEnforced, notEnforced });
    expect(first.notEnforcedReasons).toEqual(["captcha", "country scope"]);
    expect(first.syncedAt).toBe(SYNCED.toISOString());
    expect(first.state).toMatchObject({ activeCount: 10_000, staleSince: null });

    const row = first.rows[0]!;
    const source = ROWS.find((r) => r.id === row.id)!;
    expect(row).toEqual({
      id: source.id,
      value: source.value,
      scope: source.scope,
      type: source.type,
      origin: source.origin,
      originKind: originKind(source.origin),
      scenario: source.scenario,
      expiresAt: source.expiresAt.toISOString(),
      timeLeftSeconds: Math.ceil((source.expiresAt.getTime() - NOW.getTime()) / 1000),
      enforced: source.enforced,
      notEnforcedReason: source.notEnforcedReason,
    });
    expect(row.timeLeftSeconds).toBeGreaterThan(0);

    const third = await listDecisions(db(), { page: "3", pageSize: "200" }, NOW);
    expect(third.rows.map((r) => r.id)).toEqual(all.slice(400, 600));
    const lastPage = Math.ceil(all.length / 200);
    const past = await listDecisions(db(), { page: String(lastPage + 5), pageSize: "200" }, NOW);
    expect(past.page).toBe(lastPage);
    expect(past.rows.map((r) => r.id)).toEqual(all.slice((lastPage - 1) * 200));
  });

  it("searches value and scenario, ignoring case", async () => {
    const prefix = await listDecisions(db(), { q: "10.1.", pageSize: 200 }, NOW);
    const byValue = expected((r) => r.value.includes("10.1.") || r.scenario.includes("10.1."));
    expect(byValue.length).toBeGreaterThan(0);
    expect(prefix.total).toBe(byValue.length);
    expect(prefix.rows.map((r) => r.id)).toEqual(byValue.slice(0, 200));

    const scenario = await listDecisions(db(), { q: "  HTTP-Probing ", pageSize: 100 }, NOW);
    const probing = expected((r) => r.scenario.includes("http-probing"));
    expect(scenario.total).toBe(probing.length);
    expect(scenario.rows.map((r) => r.id)).toEqual(probing.slice(0, 100));

    const reason = await listDecisions(db(), { q: "ABUSE REPORT #42" }, NOW);
    expect(reason.rows.map((r) => r.scenario)).toEqual(
      expected((r) => r.scenario.toLowerCase().includes("abuse report #42")).map((id) => ROWS[id - 1]!.scenario),
    );

    // LIKE's wildcards are plain characters here: "_" is not "any character", "%" not "anything".
    expect((await listDecisions(db(), { q: "%" }, NOW)).total).toBe(0);
    expect((await listDecisions(db(), { q: "http_probing" }, NOW)).total).toBe(0);
    expect((await listDecisions(db(), { q: "non_statics" }, NOW)).total).toBe(expected((r) => r.scenario.includes("non_statics")).length);
    expect((await listDecisions(db(), { q: "no-such-thing" }, NOW)).rows).toEqual([]);
  });

  it.each([
    ["scenario", (r: PersistedDecision) => KNOWN[r.origin] === "scenario"],
    ["manual", (r: PersistedDecision) => KNOWN[r.origin] === "manual"],
    ["panel", (r: PersistedDecision) => KNOWN[r.origin] === "panel"],
    ["other", (r: PersistedDecision) => !(r.origin in KNOWN)],
  ])("filters by origin %s", async (origin, filter) => {
    const list = await listDecisions(db(), { origin, pageSize: 200, sort: "expires_desc" }, NOW);
    const ids = expected(filter, "desc");
    expect(ids.length).toBeGreaterThan(0);
    expect(list.total).toBe(ids.length);
    expect(list.rows.map((r) => r.id)).toEqual(ids.slice(0, 200));
    expect(new Set(list.rows.map((r) => r.originKind))).toEqual(new Set([origin]));
  });

  it("filters by type and enforcement, combined with a search, sorted by value", async () => {
    const captchas = await listDecisions(db(), { type: "captcha", pageSize: 200 }, NOW);
    expect(captchas.rows.map((r) => r.id)).toEqual(expected((r) => r.type === "captcha").slice(0, 200));

    const notEnforced = await listDecisions(db(), { enforced: "not_enforced", sort: "value", pageSize: 200 }, NOW);
    expect(notEnforced.total).toBe(ACTIVE.filter((r) => !r.enforced).length);
    expect(notEnforced.rows.map((r) => r.id)).toEqual(expected((r) => !r.enforced, "value").slice(0, 200));
    expect(notEnforced.rows.every((r) => r.notEnforcedReason !== null)).toBe(true);

    const query = { q: "crowdsecurity", origin: "scenario", type: "ban", enforced: "enforced", sort: "value", page: 2, pageSize: 25 };
    const combined = await listDecisions(db(), query, NOW);
    const ids = expected((r) => r.scenario.includes("crowdsecurity") && r.origin === "crowdsec" && r.type === "ban" && r.enforced, "value");
    expect(combined.total).toBe(ids.length);
    expect(combined.rows.map((r) => r.id)).toEqual(ids.slice(25, 50));
    // The counts are the whole active set's, whatever the filter.
    expect(combined.counts.active).toBe(ACTIVE.length);
  });

  it.each([
    [{ page: "0" }, "page"],
    [{ page: "two" }, "page"],
    [{ pageSize: "5" }, "pageSize"],
    [{ pageSize: "500" }, "pageSize"],
    [{ origin: "capi" }, "origin"],
    [{ enforced: "yes" }, "enforced"],
    [{ sort: "scenario" }, "sort"],
    [{ type: "ban; DROP TABLE" }, "type"],
    [{ q: "x".repeat(101) }, "q"],
    [{ limit: "10" }, "limit"],
  ])("refuses %o naming %s", async (query, field) => {
    const refused = listDecisions(db(), query, NOW);
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ fields: { [field]: expect.any(String) }, message: expect.stringContaining(field) });
  });

  it("shows the blocklist's stale state and an empty, never-synced set", async () => {
    await saveBlocklistState(db(), { staleSince: NOW, staleReason: "nginx reload failed" });
    expect((await listDecisions(db(), {}, NOW)).state).toMatchObject({ staleSince: NOW.toISOString(), staleReason: "nginx reload failed" });
    await saveBlocklistState(db(), { staleSince: null, staleReason: null });
    // Everything expired by then: nothing listed, nothing counted.
    const later = await listDecisions(db(), {}, new Date(SYNCED.getTime() + 2 * 86_400_000));
    expect(later).toMatchObject({ rows: [], total: 0, page: 1, counts: { active: 0, enforced: 0, notEnforced: 0 }, notEnforcedReasons: [] });
  });
});
