import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowdsecIntent } from "../../../test/support/crowdsec";
import {
  cleanupAllEdgeFixtures,
  edgeFixture,
  edgeIntent,
  RATE_OFF,
  site,
  testUpstream,
  viaEdge,
  WAF_BLOCK,
  WAF_DETECT,
  WAF_OFF,
  type EdgeFixture,
  type TestUpstream,
} from "../../../test/support/edge";
import type { SecurityIntent } from "../../security/intent";
import type { EdgeIntent, EdgeRateLimit, EdgeWaf } from "./edge-intent";
import { probeRequest } from "./probe-request";
import { PROBE_PATH } from "./render-nginx";
import { EdgeRuntime } from "./runtime";
import { edgePaths } from "./settings";
import { probeHost, verifyEdge } from "./verify-probes";

// Verify against a REAL nginx + ModSecurity + CRS: the probe location's verdict is the verdict a real
// path of the site gets for the same request, and probe traffic stays out of the logs CrowdSec reads.

let upstream: TestUpstream;
let f: EdgeFixture;
let runtime: EdgeRuntime;
const ATTACK_QUERY = `?q=${encodeURIComponent("<script>alert(1)</script>")}&id=${encodeURIComponent("1' OR '1'='1")}`;

function security(waf: EdgeWaf, rate: EdgeRateLimit = RATE_OFF): SecurityIntent {
  const base = crowdsecIntent(false, 2);
  const { enabled, ...settings } = rate;
  return {
    ...base,
    waf: { ...base.waf, enabled: waf.enabled, settings: { ...base.waf.settings, mode: waf.mode } },
    rate_limit: { ...base.rate_limit, enabled, settings: { ...base.rate_limit.settings, ...settings } },
  };
}

/** Requests from `source` to a real path until the first 429: how many passed before it (null: none came). */
async function passedBefore429(host: string, source: string, max: number): Promise<number | null> {
  const statuses = await Promise.all(
    Array.from(
      { length: max },
      () =>
        new Promise<number>((resolve) => {
          const req = http.get(
            { host: "127.0.0.1", port: f.settings.listen.port, localAddress: source, path: "/real/page", agent: false, headers: { host } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on("error", () => resolve(0));
        }),
    ),
  );
  return statuses.includes(429) ? statuses.filter((x) => x === 200).length : null;
}

async function serve(waf: EdgeWaf, extra: Partial<EdgeIntent> = {}): Promise<EdgeIntent> {
  const intent = { ...edgeIntent([site("app", ["app.example", "*.app.example"], upstream.url)], waf), ...extra };
  await runtime.apply(intent);
  return intent;
}

beforeAll(async () => {
  upstream = await testUpstream();
  f = await edgeFixture();
  runtime = new EdgeRuntime(f.settings);
});
afterAll(async () => {
  await cleanupAllEdgeFixtures();
  await upstream.close();
});

describe("verifyEdge", () => {
  it("WAF block: the probe sees 403 with rule ids, as a real path does; never reaches the upstream; stays out of the access and error logs", async () => {
    const served = await serve(WAF_BLOCK);
    const run = await verifyEdge(f.settings, security(WAF_BLOCK), served);
    expect(run).toMatchObject({ problem: null, failures: [] });
    const [probe] = run.sites;
    expect(probe).toMatchObject({
      host: "app.example",
      benign: { ok: true },
      waf: { verdict: "enforcing", expected: "enforcing", ok: true },
      rate: { verdict: "off" },
    });
    expect(probe!.waf.ruleIds).toEqual(expect.arrayContaining([949110]));
    expect(probe!.waf.summary).toMatch(/^an attack got 403 \(rules .*949110/);
    // The same request to a real path of the site: the same verdict.
    expect((await viaEdge(f.settings, "app.example", `/search${ATTACK_QUERY}`)).status).toBe(403);
    expect(upstream.saw(PROBE_PATH)).toBe(false);
    const logs = edgePaths(f.settings);
    expect(readFileSync(logs.accessLog, "utf8")).not.toContain(PROBE_PATH);
    expect(readFileSync(logs.crowdsecAccessLog, "utf8")).not.toContain(PROBE_PATH);
    expect(readFileSync(logs.errorLog, "utf8")).not.toContain(PROBE_PATH);
    expect(readFileSync(`${logs.logs}/probe.log`, "utf8")).toContain("ModSecurity: Access denied");
  });

  it("WAF detect: the attack passes and is logged with its rules (detecting), as on a real path; a block intent reads that as a failure", async () => {
    const served = await serve(WAF_DETECT);
    const run = await verifyEdge(f.settings, security(WAF_DETECT), served);
    expect(run.failures).toEqual([]);
    expect(run.sites[0]!.waf).toMatchObject({ verdict: "detecting", ok: true });
    expect((await viaEdge(f.settings, "app.example", `/search${ATTACK_QUERY}`)).status).toBe(200);
    // The admin asked for block; the edge only detects (an older generation): not enforcing.
    const strict = await verifyEdge(f.settings, security(WAF_BLOCK), served);
    expect(strict.failures).toEqual([expect.stringMatching(/^app\.example: WAF not enforcing: an attack passed \(200\) and was logged/)]);
  });

  it("WAF off: nothing is sent and nothing is claimed; a wildcard-only site is probed under a name of its own", async () => {
    const served = await serve(WAF_OFF, { sites: [site("wild", ["*.wild.example"], upstream.url)] });
    const run = await verifyEdge(f.settings, security(WAF_OFF), served);
    expect(run.sites[0]).toMatchObject({ host: "warden-probe.wild.example", benign: { ok: true }, waf: { verdict: "off", ok: true } });
    expect(probeHost({ hostnames: ["*.wild.example"] })).toBe("warden-probe.wild.example");
    expect(run.failures).toEqual([]);
  });

  it("rate limit on (5 per second, burst 2): the probe's burst from 127.0.0.4 gets 429, as a burst to a real path does; a site with it off is not probed", async () => {
    const rate: EdgeRateLimit = { enabled: true, rate: 5, unit: "second", burst: 2, excess: "reject" };
    const served = await serve(WAF_OFF, {
      rateLimit: rate,
      sites: [site("app", ["app.example"], upstream.url), site("free", ["free.example"], upstream.url, { rateLimit: "off" })],
    });
    const run = await verifyEdge(f.settings, security(WAF_OFF, rate), served);
    expect(run.failures).toEqual([]);
    const [app, free] = run.sites;
    expect(app!.rate).toMatchObject({ verdict: "enforcing", ok: true, summary: expect.stringMatching(/^429 after \d+ requests$/) });
    expect(app!.rate.passedBefore429).toBeLessThanOrEqual(2 + 1 + 10);
    expect(free!.rate).toMatchObject({ verdict: "off", ok: true });
    // The same burst to a real path from another address: refused too, after about as many.
    const real = await passedBefore429("app.example", "127.0.0.8", 20);
    expect(real).not.toBeNull();
    expect(real!).toBeLessThanOrEqual(2 + 1 + 10);
    expect(await passedBefore429("free.example", "127.0.0.9", 20)).toBeNull();
  });

  it("a limit so tight that the attack meets it (1 per minute, burst 0): the WAF runs first, so block still sees 403 and detect sees the logged rules before the 429", async () => {
    const rate: EdgeRateLimit = { enabled: true, rate: 1, unit: "minute", burst: 0, excess: "reject" };
    const blocking = await verifyEdge(f.settings, security(WAF_BLOCK, rate), await serve(WAF_BLOCK, { rateLimit: rate }));
    expect(blocking.sites[0]!.waf).toMatchObject({ verdict: "enforcing", ok: true });
    expect(blocking.sites[0]!.rate).toMatchObject({ verdict: "enforcing", ok: true });
    // A new generation (detect) resets nothing of the limiter: the benign request and the attack both meet it.
    const detecting = await verifyEdge(f.settings, security(WAF_DETECT, rate), await serve(WAF_DETECT, { rateLimit: rate }));
    expect(detecting.sites[0]!.benign).toMatchObject({ ok: true, summary: "rate limited (429)" });
    expect(detecting.sites[0]!.waf).toMatchObject({
      verdict: "detecting",
      ok: true,
      summary: expect.stringMatching(/^an attack passed the WAF and was logged \(rules .*\), then the rate limit refused it \(429\)$/),
    });
    expect(detecting.failures).toEqual([]);
  });

  it("a limit one address cannot exceed in a probe is 'configured, not probed', never enforcing", async () => {
    const rate: EdgeRateLimit = { enabled: true, rate: 100_000, unit: "second", burst: 100, excess: "reject" };
    const served = await serve(WAF_OFF, { rateLimit: rate });
    const run = await verifyEdge(f.settings, security(WAF_OFF, rate), served);
    expect(run.sites[0]!.rate).toMatchObject({
      verdict: "not_probed",
      summary: expect.stringMatching(/^configured, not probed: about \d+ requests pass before a 429/),
    });
  });

  it("a probe whose source address cannot be bound says so, and is never a verdict of enforcing", async () => {
    await serve(WAF_BLOCK);
    const a = await probeRequest(f.settings, { host: "app.example", path: PROBE_PATH, source: "192.0.2.1" });
    expect(a).toMatchObject({ ok: false, error: expect.stringMatching(/^cannot send from 192\.0\.2\.1: /) });
  });

  it("the edge stopped: no verdict is enforcing, and the failure says why", async () => {
    const served = await serve(WAF_BLOCK);
    await runtime.stopNow();
    const run = await verifyEdge(f.settings, security(WAF_BLOCK), served);
    expect(run.sites).toEqual([]);
    expect(run.problem).toMatch(/^the edge is not serving: /);
    expect(run.failures).toEqual([expect.stringMatching(/^Nothing could be verified: the edge is not serving/)]);
  });
});
