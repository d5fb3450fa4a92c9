import { NextRequest } from "next/server";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ADMIN, ADMIN_PASSWORD, authFixture, cookieFrom, requestHeaders, seedAdmin } from "../../../test/support/auth";
import { cleanupTempDirs } from "../../../test/support/databases";
import { decisionRows } from "../../../test/support/decisions";
import { GET } from "../../../app/api/decisions/route";
import { login } from "../../auth/login";
import { replaceActiveDecisions } from "../../decisions/decision-store";
import type { DecisionListView } from "../../decisions/decision-types";
import { resetSchemaGate } from "../../migrations/gate";

// GET /api/decisions through its route handler, against a real database: a session is required, a bad
// parameter is a 400 that names it, and a good query answers one page of the persisted decisions.

afterAll(() => cleanupTempDirs());
afterEach(() => resetSchemaGate());

const get = (query: string, cookie?: string) =>
  GET(new NextRequest(`http://127.0.0.1:3000/api/decisions${query}`, { headers: requestHeaders({ ip: "127.0.0.9", cookie }) }));

describe.each(["sqlite", "postgresql"] as const)("GET /api/decisions on %s", (provider) => {
  const fixture = authFixture(provider);

  it("answers 401 without a session, 400 naming a bad parameter, and a filtered page with one", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const now = new Date();
    await replaceActiveDecisions(db, decisionRows(120, now), now);

    const anonymous = await get("");
    expect(anonymous.status).toBe(401);

    const outcome = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "127.0.0.9" }));
    if (!outcome.ok) throw new Error(outcome.message);
    const cookie = cookieFrom(outcome.setCookies);

    const bad = await get("?pageSize=1000", cookie);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "VALIDATION", message: "Invalid decisions query: pageSize: pageSize must be at most 200" } });
    const unknown = await get("?origin=capi", cookie);
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toMatch(/^Invalid decisions query: origin: /);

    const ok = await get("?origin=panel&pageSize=10&sort=value", cookie);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const view = (await ok.json()) as DecisionListView;
    expect(view.total).toBe(6); // the panel bans among 120: rows 2, 22, 42, 62, 82, 102
    expect(view.rows.map((r) => r.originKind)).toEqual(Array(6).fill("panel"));
    expect(view.counts.active).toBe(120);
    expect(view.syncedAt).toBe(now.toISOString());

    // Answers are reused while the stored set is unchanged; the leader's next write is seen at once.
    expect(((await (await get("?origin=panel&pageSize=10&sort=value", cookie)).json()) as DecisionListView).total).toBe(6);
    const later = new Date(now.getTime() + 1_000);
    await replaceActiveDecisions(db, decisionRows(60, later), later);
    const after = (await (await get("?origin=panel&pageSize=10&sort=value", cookie)).json()) as DecisionListView;
    expect(after.total).toBe(3);
    expect(after.counts.active).toBe(60);
  });
});
