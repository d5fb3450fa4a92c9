import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentFixture, cleanupAllFixtures, crowdsecIntent, waitFor, type AgentFixture } from "../../../test/support/crowdsec";
import {
  cleanupAllEdgeFixtures,
  edgeFixture,
  edgeIntent,
  site,
  testUpstream,
  viaEdge,
  WAF_BLOCK,
  type EdgeFixture,
  type TestUpstream,
} from "../../../test/support/edge";
import type { SecurityIntent } from "../../security/intent";
import { startAgent } from "../crowdsec/agent-start";
import { stopAgent } from "../crowdsec/agent-signals";
import { ensureInstance } from "../crowdsec/instance";
import { instancePaths } from "../crowdsec/settings";
import { EdgeRuntime } from "../edge/runtime";
import { probeBlocklist } from "./blocklist-runtime";
import { DecisionLoop } from "./decision-loop";
import { LapiClient } from "./lapi-client";
import { lapiAccess } from "./lapi-credentials";

// The decision loop against a real CrowdSec 1.4.6 (LAPI) and a real nginx + ModSecurity + CRS edge:
// a ban in LAPI (the panel's, or cscli's) → 403 at the edge; unban → 200; a re-ban at once is enforced
// again; captcha is listed as not enforced; LAPI down → the last good blocklist stays and the state is
// stale; LAPI back → recovers; CrowdSec off → no ban enforced. Loopback sources 127.0.0.31–39 are this
// file's; every decision made here is deleted.

let upstream: TestUpstream;
let edge: EdgeFixture;
let cs: AgentFixture;
let agentPid: number;
let intent: SecurityIntent = crowdsecIntent(true, 1);
let loop: DecisionLoop;
let lapi: LapiClient;
const HOST = "loop.example";
const status = async (from: string) => {
  const r = await viaEdge(edge.settings, HOST, "/", { localAddress: from });
  if (r.status === 403 && r.headers["x-warden-block"] !== "ban") throw new Error(`403 that is not a ban: ${JSON.stringify(r.headers)} ${r.body.slice(0, 300)}`);
  return r.status;
};
/**
 * Until `from` gets `want` three times in a row: during a reload the previous workers answer new
 * connections for a few milliseconds more, so one answer does not mean the change is complete.
 */
async function until(from: string, want: number, ms = 5_000): Promise<void> {
  let streak = 0;
  await waitFor(
    async () => {
      streak = (await status(from)) === want ? streak + 1 : 0;
      return streak >= 3;
    },
    ms,
    `${from} → ${want}`,
    10,
  );
}
const cscli = (...args: string[]) => execFileSync(cs.settings.cscli, ["-c", instancePaths(cs.settings).config, ...args, "--error"], { encoding: "utf8" });

beforeAll(async () => {
  upstream = await testUpstream();
  edge = await edgeFixture();
  await new EdgeRuntime(edge.settings).apply(edgeIntent([site("loop", [HOST], upstream.url)], WAF_BLOCK));
  cs = await agentFixture();
  await ensureInstance(cs.settings);
  agentPid = (await startAgent(cs.settings)).pid;
  lapi = new LapiClient(await lapiAccess(intent, cs.settings));
  loop = new DecisionLoop({ edge: edge.settings, crowdsec: cs.settings, readIntent: async () => intent, pollMs: 100, resyncMs: 5_000 });
  loop.start();
  await waitFor(() => loop.status().syncedAt !== null, 10_000, "first sync");
}, 60_000);

afterAll(async () => {
  await loop?.stop();
  try {
    cscli("decisions", "delete", "--all");
  } catch {
    /* the agent may be gone */
  }
  await cleanupAllFixtures();
  await cleanupAllEdgeFixtures();
  await upstream.close();
});

async function banId(value: string): Promise<number> {
  const found = (await lapi.active()).filter((d) => d.value === value);
  expect(found.length).toBeGreaterThan(0);
  return found[0]!.id;
}

describe("the decision loop (real LAPI, real edge)", () => {
  it("a ban from the panel's machine → 403 within about a second; unban → 200; a re-ban at once is enforced again", async () => {
    for (let round = 1; round <= 3; round++) {
      const t0 = performance.now();
      await lapi.ban({ value: "127.0.0.31", scope: "Ip", duration: "5m", reason: `loop test ${round}` });
      await until("127.0.0.31", 403);
      const banMs = Math.round(performance.now() - t0);
      expect(await status("127.0.0.32")).toBe(200);
      const t1 = performance.now();
      expect(await lapi.unban(await banId("127.0.0.31"))).toBe(1);
      await until("127.0.0.31", 200);
      console.log(`[timing] round ${round}: ban accepted → 403 ${banMs} ms, unban → 200 ${Math.round(performance.now() - t1)} ms`);
    }
  });

  it("cscli's decisions count too: a range is enforced, a captcha is listed as not enforced", async () => {
    cscli("decisions", "add", "--range", "127.0.0.32/31", "--duration", "5m", "--reason", "range test");
    cscli("decisions", "add", "--ip", "127.0.0.34", "--type", "captcha", "--duration", "5m");
    await until("127.0.0.33", 403);
    expect(await status("127.0.0.34")).toBe(200);
    await waitFor(() => loop.status().notEnforced === 1, 5_000, "captcha counted");
    const s = loop.status();
    expect(s.enforced).toBe(1);
    expect(Object.keys(s.notEnforcedReasons)[0]).toMatch(/captcha decision: the edge enforces bans only/);
    await waitFor(
      async () => (await probeBlocklist(edge.settings)).ok && ((await probeBlocklist(edge.settings)) as { count: number }).count === 1,
      5_000,
      "served count 1",
    );
    cscli("decisions", "delete", "--all");
    await until("127.0.0.33", 200);
  });

  it("LAPI down: the edge keeps the last good blocklist and the state says stale since when and why; LAPI back: it recovers by itself", async () => {
    await lapi.ban({ value: "127.0.0.35", scope: "Ip", duration: "5m", reason: "before the outage" });
    await until("127.0.0.35", 403);
    await stopAgent(cs.settings, agentPid);
    await waitFor(() => loop.status().stale !== null, 5_000, "stale");
    expect(loop.status().stale!.reason).toMatch(/connection refused/);
    expect(await status("127.0.0.35")).toBe(403); // the last good blocklist is still served
    agentPid = (await startAgent(cs.settings)).pid;
    await waitFor(() => loop.status().stale === null, 15_000, "recovered");
    await lapi.ban({ value: "127.0.0.36", scope: "Ip", duration: "5m", reason: "after the restart" });
    await until("127.0.0.36", 403);
    cscli("decisions", "delete", "--all");
    await until("127.0.0.36", 200);
    await until("127.0.0.35", 200);
  }, 60_000);

  it("an nginx reload failing while decisions change: the last good blocklist stays live, the error is shown; repaired, the loop catches up", async () => {
    await lapi.ban({ value: "127.0.0.39", scope: "Ip", duration: "5m", reason: "before the breakage" });
    await until("127.0.0.39", 403);
    const siteFile = path.join(edge.dir, "conf.d", "site-loop.conf");
    const good = readFileSync(siteFile, "utf8");
    writeFileSync(siteFile, good.replace("server {", "server { nonsense_directive on;"));
    try {
      await lapi.ban({ value: "127.0.0.34", scope: "Ip", duration: "5m", reason: "during the breakage" });
      await waitFor(() => loop.status().stale !== null, 5_000, "stale");
      expect(loop.status().stale!.reason).toMatch(/nginx refused .*keeps serving blocklist generation \d+/);
      expect(await status("127.0.0.39")).toBe(403);
      expect(await status("127.0.0.34")).toBe(200);
    } finally {
      writeFileSync(siteFile, good);
    }
    await until("127.0.0.34", 403, 10_000);
    await waitFor(() => loop.status().stale === null, 5_000, "recovered");
    cscli("decisions", "delete", "--all");
    await until("127.0.0.34", 200);
  }, 30_000);

  it("10,000 decisions imported at once: one sync enforces them all", async () => {
    const file = path.join(cs.dir, "import.json");
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      duration: "10m",
      scope: "ip",
      type: "ban",
      value: `10.77.${i >> 8}.${i & 255}`,
      reason: "bulk",
      origin: "test",
    }));
    rows[9_999] = { ...rows[9_999]!, value: "127.0.0.37" };
    writeFileSync(file, JSON.stringify(rows));
    const t0 = performance.now();
    cscli("decisions", "import", "-i", file);
    const imported = Math.round(performance.now() - t0);
    await until("127.0.0.37", 403, 20_000);
    console.log(`[timing] 10,000 decisions: import ${imported} ms, accepted → enforced ${Math.round(performance.now() - t0 - imported)} ms`);
    await waitFor(
      async () => {
        const p = await probeBlocklist(edge.settings);
        return p.ok && p.count === 10_000;
      },
      5_000,
      "served count 10,000",
    );
    cscli("decisions", "delete", "--all");
    await until("127.0.0.37", 200, 20_000);
  }, 90_000);

  it("CrowdSec switched off: the edge enforces no decision, although LAPI still has them", async () => {
    await lapi.ban({ value: "127.0.0.38", scope: "Ip", duration: "5m", reason: "off test" });
    await until("127.0.0.38", 403);
    intent = crowdsecIntent(false, 2);
    loop.kick();
    await until("127.0.0.38", 200);
    // The edge answers from the new blocklist a moment before the loop's apply has returned.
    await waitFor(() => !loop.status().crowdsecEnabled, 3_000, "state: CrowdSec off");
    expect(loop.status()).toMatchObject({ crowdsecEnabled: false, enforced: 0 });
    intent = crowdsecIntent(true, 3);
    loop.kick();
    await until("127.0.0.38", 403);
    cscli("decisions", "delete", "--all");
    await until("127.0.0.38", 200);
  });
});
