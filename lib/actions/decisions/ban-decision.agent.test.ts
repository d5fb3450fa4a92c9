import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentFixture, cleanupAllFixtures, waitFor, type AgentFixture } from "../../../test/support/crowdsec";
import { dropTestDatabases, migratedDatabase } from "../../../test/support/databases";
import {
  cleanupAllEdgeFixtures,
  edgeEngine,
  edgeFixture,
  edgeIntent,
  site,
  testUpstream,
  viaEdge,
  WAF_OFF,
  type EdgeFixture,
  type TestUpstream,
} from "../../../test/support/edge";
import { createDb, type Db } from "../../db";
import { startAgent } from "../../engine/crowdsec/agent-start";
import { stopAgent } from "../../engine/crowdsec/agent-signals";
import { ensureInstance } from "../../engine/crowdsec/instance";
import { LapiClient } from "../../engine/blocklist/lapi-client";
import { lapiAccess } from "../../engine/blocklist/lapi-credentials";
import { EdgeRuntime } from "../../engine/edge/runtime";
import type { Engine } from "../../engine/engine";
import { readIntent, toggleProtection } from "../../security/intent-store";
import { listDecisions } from "../../decisions/decision-queries";
import { banDecision } from "./ban-decision";
import { unbanDecisionIds } from "./unban-decisions";

// The ban and unban use cases (what the Decisions page's actions run) with a real CrowdSec LAPI and a
// real edge, on SQLite and PostgreSQL: bad input is refused with a field message and nothing reaches
// LAPI; a ban covering the admin's own address (or loopback, or Verify's probes) is refused unless
// confirmed; a ban is enforced at the edge, an unban lifts it; LAPI down → a clear error, audited as
// rejected, nothing made. Loopback sources: 127.0.0.45–47 (this file's own); decisions are deleted.

let cs: AgentFixture;
let agentPid: number;
let edge: EdgeFixture;
let upstream: TestUpstream;
const HOST = "ban.example";

beforeAll(async () => {
  upstream = await testUpstream();
  edge = await edgeFixture();
  await new EdgeRuntime(edge.settings).apply(edgeIntent([site("ban", [HOST], upstream.url)], WAF_OFF));
  cs = await agentFixture();
  await ensureInstance(cs.settings);
  agentPid = (await startAgent(cs.settings)).pid;
}, 60_000);
afterAll(async () => {
  await cleanupAllFixtures();
  await cleanupAllEdgeFixtures();
  await upstream.close();
  await dropTestDatabases();
});

const lapiActive = async () => new LapiClient(await lapiAccess(await readIntent(db), cs.settings)).active();
let db: Db;

describe.each(["sqlite", "postgresql"] as const)("ban and unban through LAPI (%s)", (provider) => {
  let eng: Engine;
  const ctx = (from = "198.51.100.9") => ({ actor: "admin", requestId: crypto.randomUUID(), headers: new Headers({ "x-forwarded-for": from }) });
  const audits = async (action: string) =>
    (await db.securityAudit.findMany({ where: { action }, orderBy: { id: "asc" } })).map((r) => ({ outcome: r.outcome, error: r.error, actor: r.actor }));

  beforeAll(async () => {
    vi.stubEnv("WARDEN_HTTP_SERVER", "warden"); // as server.mjs sets it: X-Forwarded-For is the socket's peer
    db = createDb(await migratedDatabase(provider));
    eng = edgeEngine(db, edge.settings, { crowdsec: cs.settings });
    const intent = await readIntent(db);
    await toggleProtection(db, { protection: "crowdsec", on: true, expectedVersion: intent.crowdsec.version }, { actor: "admin" });
    eng.decisions.start();
  });
  afterAll(async () => {
    await eng.decisions.stop();
    eng.close();
    await db.$disconnect();
    vi.unstubAllEnvs();
  });

  it.each([
    [{ value: "1.2.3.4; allow all", duration: "4h", reason: "x" }, "value"],
    [{ value: "1.2.3.4 }", duration: "4h", reason: "x" }, "value"],
    [{ value: "$remote_addr", duration: "4h", reason: "x" }, "value"],
    [{ value: "10.0.0.0/7", duration: "4h", reason: "x" }, "value"],
    [{ value: "0.0.0.0/0", duration: "4h", reason: "x" }, "value"],
    [{ value: "::/0", duration: "4h", reason: "x" }, "value"],
    [{ value: "bad.example", duration: "4h", reason: "x" }, "value"],
    [{ value: "127.0.0.45", duration: "30s", reason: "x" }, "duration"],
    [{ value: "127.0.0.45", duration: "400d", reason: "x" }, "duration"],
    [{ value: "127.0.0.45", duration: "4h", reason: "two\nlines" }, "reason"],
    [{ value: "127.0.0.45", duration: "4h", reason: "" }, "reason"],
  ])("refuses %j with a message on %s, and nothing reaches LAPI", async (input, field) => {
    await expect(banDecision(db, eng, input, ctx())).rejects.toMatchObject({ code: "VALIDATION", fields: { [field]: expect.any(String) } });
    expect(await lapiActive()).toEqual([]);
  });

  it("refuses a ban of the admin's own address (or a range with loopback and Verify's probes) unless confirmed", async () => {
    await expect(banDecision(db, eng, { value: "127.0.0.45", duration: "4h", reason: "me" }, ctx("127.0.0.45"))).rejects.toMatchObject({
      code: "SELF_BLOCK",
      message: expect.stringMatching(/127\.0\.0\.45 \(the address you are signed in from\)/),
    });
    await expect(banDecision(db, eng, { value: "127.0.0.0/24", duration: "4h", reason: "wide" }, ctx())).rejects.toMatchObject({
      code: "SELF_BLOCK",
      message: expect.stringMatching(/127\.0\.0\.1 \(loopback.*127\.0\.0\.3 \(Verify's WAF probe\).*127\.0\.0\.4 \(Verify's rate-limit probe\)/),
    });
    expect(await lapiActive()).toEqual([]);
    expect(await audits("ban")).toEqual([
      expect.objectContaining({ outcome: "rejected", actor: "admin" }),
      expect.objectContaining({ outcome: "rejected", actor: "admin" }),
    ]);
  });

  it("a confirmed ban is made through LAPI, enforced at the edge, audited; the unban lifts it", async () => {
    const r = await banDecision(db, eng, { value: "127.0.0.45", duration: "4h", reason: "confirmed", confirmSelfBlock: true }, ctx("127.0.0.45"));
    expect(r.enforcedMs).toEqual(expect.any(Number));
    expect((await viaEdge(edge.settings, HOST, "/", { localAddress: "127.0.0.45" })).status).toBe(403);
    expect((await viaEdge(edge.settings, HOST, "/", { localAddress: "127.0.0.46" })).status).toBe(200);
    const active = await lapiActive();
    expect(active).toEqual([expect.objectContaining({ value: "127.0.0.45", origin: "warden", scenario: "confirmed" })]);
    expect((await audits("ban")).at(-1)).toMatchObject({ outcome: "applied", actor: "admin" });
    // The leader's copy for every replica's Decisions page (written beside the loop, not in its way).
    await waitFor(async () => (await listDecisions(db, { q: "127.0.0.45" })).rows.length === 1, 5_000, "the ban persisted");
    expect((await listDecisions(db, { q: "127.0.0.45" })).rows[0]).toMatchObject({ value: "127.0.0.45", origin: "warden", enforced: true });
    expect(await unbanDecisionIds(db, eng, { ids: [active[0]!.id] }, ctx())).toEqual({ deleted: 1, values: ["127.0.0.45"] });
    expect(await eng.decisions.waitForEntry("127.0.0.45", false, 3_000)).toBe(true);
    expect((await audits("unban")).at(-1)).toMatchObject({ outcome: "applied" });
    await expect(unbanDecisionIds(db, eng, { ids: [] }, ctx())).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("LAPI down during a ban: a clear error, audited as rejected, nothing made", async () => {
    await stopAgent(cs.settings, agentPid);
    try {
      await expect(banDecision(db, eng, { value: "127.0.0.47", duration: "1h", reason: "down" }, ctx())).rejects.toThrow(
        /^The ban of 127\.0\.0\.47 was not made: .*connection refused/,
      );
      expect((await audits("ban")).at(-1)).toMatchObject({ outcome: "rejected", error: expect.stringMatching(/connection refused/) });
    } finally {
      agentPid = (await startAgent(cs.settings)).pid;
    }
    expect((await lapiActive()).map((d) => d.value)).not.toContain("127.0.0.47");
  }, 60_000);
});
