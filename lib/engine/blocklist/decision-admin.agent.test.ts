import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentFixture, cleanupAllFixtures, crowdsecIntent, waitFor, type AgentFixture } from "../../../test/support/crowdsec";
import {
  cleanupAllEdgeFixtures,
  edgeFixture,
  edgeIntent,
  site,
  testUpstream,
  viaEdge,
  WAF_OFF,
  type EdgeFixture,
  type TestUpstream,
} from "../../../test/support/edge";
import { env } from "../../env";
import { startAgent } from "../crowdsec/agent-start";
import { stopAgent } from "../crowdsec/agent-signals";
import { ensureInstance } from "../crowdsec/instance";
import { instancePaths } from "../crowdsec/settings";
import { EdgeRuntime } from "../edge/runtime";
import { probeBan } from "./ban-probe";
import { BlocklistDriver } from "./blocklist-driver";
import { withBlocklist } from "./blocklist-card";
import { banAddress, machineUnavailable, recentAlerts, unbanDecisions } from "./decision-admin";
import { DecisionLoop } from "./decision-loop";
import { LapiClient } from "./lapi-client";
import { lapiAccess } from "./lapi-credentials";

// Ban, unban, Verify's ban check and the blocklist's drift surface against a real CrowdSec 1.4.6 and a
// real edge. Loopback sources: 127.0.0.5 (Verify's ban probe) and 127.0.0.41–44 (this file's own);
// every decision made here is deleted.

let upstream: TestUpstream;
let edge: EdgeFixture;
let cs: AgentFixture;
let agentPid: number;
let loop: DecisionLoop;
let driver: BlocklistDriver;
const intent = crowdsecIntent(true, 1);
const HOST = "admin.example";
const cscli = (...args: string[]) => execFileSync(cs.settings.cscli, ["-c", instancePaths(cs.settings).config, ...args, "--error"], { encoding: "utf8" });
const status = async (from: string) => (await viaEdge(edge.settings, HOST, "/", { localAddress: from })).status;

beforeAll(async () => {
  upstream = await testUpstream();
  edge = await edgeFixture();
  await new EdgeRuntime(edge.settings).apply(edgeIntent([site("adm", [HOST], upstream.url)], WAF_OFF));
  cs = await agentFixture();
  await ensureInstance(cs.settings);
  agentPid = (await startAgent(cs.settings)).pid;
  loop = new DecisionLoop({ edge: edge.settings, crowdsec: cs.settings, readIntent: async () => intent, pollMs: 100, resyncMs: 5_000 });
  driver = new BlocklistDriver(edge.settings, cs.settings, loop, async () => null);
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

describe("the blocklist surface, ban and unban (real LAPI, real edge)", () => {
  it("a ban the loop has not applied is drift (LAPI's set vs what the edge serves); one sync clears it", async () => {
    cscli("decisions", "add", "--ip", "127.0.0.41", "--duration", "5m", "--reason", "drift test");
    const check = driver.diff(await driver.render(intent), await driver.observe());
    expect(check.verdict).toBe("drift");
    expect(check.differences).toEqual([{ item: "blocklist served", expected: "1 active bans from LAPI", actual: "0 entries (generation 0)" }]);
    await driver.apply(intent);
    expect(driver.diff(await driver.render(intent), await driver.observe()).verdict).toBe("in_sync");
    expect(await status("127.0.0.41")).toBe(403);
    const card = withBlocklist({ protection: "crowdsec", state: "running", summary: "", observedAt: new Date().toISOString() }, await driver.observe());
    expect(card.details).toMatchObject({ blocklist: "edge blocklist: 1 ban, generation 1" });
    expect(card.details?.blocklistSyncedAt).toEqual(expect.any(String));
    cscli("decisions", "delete", "--all");
  });

  it("with the loop running: banAddress answers when the edge enforced it; unbanDecisions lifts it; both through LAPI", async () => {
    loop.start();
    await waitFor(() => loop.status().syncedAt !== null && loop.status().enforced === 0, 5_000, "loop synced").catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(loop.status())}`);
    });
    const ban = await banAddress(intent, cs.settings, { value: "127.0.0.42", scope: "Ip", seconds: 300, lapiDuration: "5m", reason: "panel ban" }, loop);
    expect(ban.enforcedMs).toEqual(expect.any(Number));
    console.log(`[timing] banAddress: accepted → enforced ${ban.enforcedMs} ms`);
    expect(await status("127.0.0.42")).toBe(403);
    const active = await new LapiClient(await lapiAccess(intent, cs.settings)).active();
    expect(active).toEqual([expect.objectContaining({ value: "127.0.0.42", origin: "warden", scenario: "panel ban", type: "ban" })]);
    // The Alerts page: the panel's ban is an alert of its own, with the decision it caused.
    expect(await recentAlerts(intent, cs.settings)).toContainEqual(
      expect.objectContaining({
        scenario: "panel ban",
        source: expect.objectContaining({ scope: "Ip", value: "127.0.0.42" }),
        decisions: [expect.objectContaining({ value: "127.0.0.42", type: "ban", origin: "warden" })],
      }),
    );
    const r = await unbanDecisions(intent, cs.settings, [active[0]!.id, 999_999], loop);
    expect(r).toEqual({ deleted: 1, values: ["127.0.0.42"], missing: [999_999] });
    expect(await loop.waitForEntry("127.0.0.42", false, 3_000)).toBe(true);
    await waitFor(async () => (await status("127.0.0.42")) === 200, 3_000, "served again");
  });

  it("Warden's bouncer deleted from LAPI behind its back: the loop registers it again and keeps enforcing", async () => {
    cscli("bouncers", "delete", "warden-edge");
    await waitFor(() => loop.status().stale !== null, 5_000, "stale (key refused)");
    await waitFor(() => loop.status().stale === null, 10_000, "registered again");
    expect(cscli("bouncers", "list", "-o", "raw")).toContain("warden-edge");
    cscli("decisions", "add", "--ip", "127.0.0.44", "--duration", "5m", "--reason", "after re-registration");
    await waitFor(async () => (await status("127.0.0.44")) === 403, 5_000, "enforced");
    cscli("decisions", "delete", "--all");
    await waitFor(async () => (await status("127.0.0.44")) === 200, 5_000, "lifted");
  });

  it("Verify's ban check: 127.0.0.5 banned → 403 (ban), unbanned → 200, times reported; nothing left in LAPI", async () => {
    const r = await probeBan(edge.settings, cs.settings, intent, HOST, loop);
    console.log(`[timing] ban check: ${r.summary}`);
    expect(r).toMatchObject({ verdict: "enforcing", ok: true });
    expect(r.banToBlockMs).toBeLessThan(5_000);
    expect(r.unbanToPassMs).toBeLessThan(5_000);
    expect((await new LapiClient(await lapiAccess(intent, cs.settings)).active()).filter((d) => d.value === "127.0.0.5")).toEqual([]);
    // Its alert stays in LAPI but not on the Alerts page (one per run would bury the real ones).
    expect((await recentAlerts(intent, cs.settings)).map((a) => a.scenario)).not.toContain("Warden Verify: ban check");
    expect(await probeBan(edge.settings, cs.settings, crowdsecIntent(false, 2), HOST, loop)).toMatchObject({ verdict: "off", ok: true });
  });

  it("LAPI down during a ban: a clear error, nothing recorded in LAPI; the state goes stale and the card says so", async () => {
    await stopAgent(cs.settings, agentPid);
    await expect(banAddress(intent, cs.settings, { value: "127.0.0.43", scope: "Ip", seconds: 300, lapiDuration: "5m", reason: "down" }, loop)).rejects.toThrow(
      /connection refused/,
    );
    await waitFor(() => loop.status().stale !== null, 5_000, "stale");
    const card = withBlocklist({ protection: "crowdsec", state: "failed", summary: "", observedAt: new Date().toISOString() }, await driver.observe());
    expect(String(card.details?.blocklistStale)).toMatch(/^blocklist stale since .* \(.*connection refused.*\)$/);
    // Stale for a few seconds is a hiccup being retried; past the grace it is drift.
    await waitFor(async () => driver.diff(await driver.render(intent), await driver.observe()).verdict === "drift", 10_000, "drift");
    const check = driver.diff(await driver.render(intent), await driver.observe());
    expect(check.differences[0]).toMatchObject({ item: "blocklist", expected: "synced with LAPI" });
    agentPid = (await startAgent(cs.settings)).pid;
    await waitFor(() => loop.status().stale === null, 15_000, "recovered");
    expect((await new LapiClient(await lapiAccess(intent, cs.settings)).active()).map((d) => d.value)).not.toContain("127.0.0.43");
  }, 60_000);

  it("external mode with only a bouncer key: ban, unban and alerts are disabled, with the reason", async () => {
    vi.stubEnv("CROWDSEC_EXTERNAL_BOUNCER_KEY", "abc");
    try {
      expect(env().CROWDSEC_EXTERNAL_BOUNCER_KEY).toBe("abc");
      const r = await machineUnavailable(crowdsecIntent(true, 3, "external", "http://127.0.0.1:1"), cs.settings);
      expect(r.reason).toMatch(/CROWDSEC_EXTERNAL_MACHINE_ID and CROWDSEC_EXTERNAL_MACHINE_PASSWORD/);
      expect(r.access?.bouncerKey).toBe("abc");
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
