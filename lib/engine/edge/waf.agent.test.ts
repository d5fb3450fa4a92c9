import { readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../test/support/crowdsec";
import {
  cleanupAllEdgeFixtures,
  edgeFixture,
  edgeIntent,
  site,
  testUpstream,
  untilEdge,
  viaEdge,
  WAF_BLOCK,
  WAF_DETECT,
  WAF_OFF,
  type EdgeFixture,
  type TestUpstream,
} from "../../../test/support/edge";
import { EdgeRuntime } from "./runtime";
import { edgePaths } from "./settings";
import { WafEventReader } from "./waf-events";
import type { EdgeIntent } from "./edge-intent";

// The WAF at the edge against Debian's real ModSecurity v3 + OWASP CRS 3.3.4: block, detect, off,
// off for one site, and a rule excluded for one site, each seen from the outside (status, what the
// upstream received) and in the JSON audit log through the incremental events reader. One instance
// and one reader serve the whole file; each step applies its intent (a reload) first.
//
// nginx answers before it writes its logs (the log phase), so "what was logged" is read after a
// sentinel: one worker serves requests one after another, so once the access log has the line of a
// later request, every entry of the earlier ones is written.

const XSS = `/search?q=${encodeURIComponent("<script>alert(1)</script>")}`;
const SQLI = `/item?id=${encodeURIComponent("1' OR '1'='1")}`;

let upstream: TestUpstream;
let f: EdgeFixture;
let runtime: EdgeRuntime;
let reader: WafEventReader;

const sites = (extra: Partial<EdgeIntent["sites"][number]> = {}) => [
  site("shop", ["shop.example"], upstream.url, extra),
  site("blog", ["blog.example"], upstream.url),
  site("legacy", ["legacy.example"], upstream.url, { waf: "off" }),
];

/** A request written by hand (an absolute-form request line), answered with the raw status line and headers. */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(f.settings.listen.port, "127.0.0.1", () => socket.end(text));
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

let sentinels = 0;
/** The events logged by the requests made so far (see above). */
async function logged() {
  const marker = `/__sentinel-${++sentinels}`;
  await viaEdge(f.settings, "shop.example", marker);
  await waitFor(() => readFileSync(edgePaths(f.settings).accessLog, "utf8").includes(`GET ${marker} `), 5_000, "the sentinel in the access log", 5);
  return reader.poll();
}

beforeAll(async () => {
  upstream = await testUpstream();
  f = await edgeFixture();
  runtime = new EdgeRuntime(f.settings);
  reader = new WafEventReader(edgePaths(f.settings).auditLog);
  await runtime.apply(edgeIntent(sites(), WAF_OFF));
  await untilEdge(f.settings, "shop.example", "/", (r) => r.status === 200);
});

afterAll(async () => {
  await cleanupAllEdgeFixtures();
  await upstream.close();
});

describe("the WAF at the edge", () => {
  it("off: an attack passes to the upstream and nothing is logged", async () => {
    const r = await viaEdge(f.settings, "shop.example", XSS);
    expect(r.status).toBe(200);
    expect(upstream.saw("/search?q=")).toBe(true);
    expect(await logged()).toEqual([]);
  });

  it("block: the attack gets 403 with its request id, never reaches the upstream, and is an event with its rule ids", async () => {
    const before = upstream.requests.length;
    const t0 = performance.now();
    await runtime.apply(edgeIntent(sites(), WAF_BLOCK));
    const first = await untilEdge(f.settings, "shop.example", XSS, (r) => r.status === 403);
    console.log(`[timing] WAF switched on (block) → first 403: ${Math.round(performance.now() - t0)} ms`);
    const requestId = first.response.headers["x-request-id"];
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(upstream.requests.length).toBe(before);
    expect((await viaEdge(f.settings, "shop.example", "/search?q=hello")).status).toBe(200);

    const events = await logged();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      requestId,
      client: "127.0.0.1",
      host: "shop.example",
      method: "GET",
      path: XSS,
      status: 403,
      action: "blocked",
    });
    expect(events[0]!.ruleIds).toEqual(expect.arrayContaining([941100, 941110, 949110]));
    expect(events[0]!.messages.find((m) => m.ruleId === 949110)?.message).toMatch(/^Inbound Anomaly Score Exceeded/);
    expect(Date.now() - Date.parse(events[0]!.time)).toBeLessThan(60_000);
  });

  it("a site with the WAF off is not inspected while the WAF blocks elsewhere", async () => {
    const r = await viaEdge(f.settings, "legacy.example", XSS);
    expect(r.status).toBe(200);
    expect(upstream.requests.at(-1)?.host).toBe("legacy.example");
    expect(await logged()).toEqual([]);
  });

  it("a rule excluded for one site: its request passes there, and the same request is still blocked on another site", async () => {
    const blocked = await viaEdge(f.settings, "shop.example", SQLI);
    expect(blocked.status).toBe(403);
    const [event] = await logged();
    expect(event!.ruleIds).toEqual([942100, 949110]);

    await runtime.apply(edgeIntent(sites(), WAF_BLOCK, [{ siteId: "shop", ruleId: 942100 }]));
    const passed = await viaEdge(f.settings, "shop.example", SQLI);
    expect(passed.status).toBe(200);
    expect(upstream.saw("/item?id=")).toBe(true);
    expect(await logged()).toEqual([]);
    expect((await viaEdge(f.settings, "blog.example", SQLI)).status).toBe(403);
    expect((await logged()).map((e) => [e.host, e.action])).toEqual([["blog.example", "blocked"]]);
    // The host of the excluded site, named with another case and a port, is the same site.
    expect((await viaEdge(f.settings, "SHOP.example:80", SQLI)).status).toBe(200);
    // A request routed to another site by its request line cannot borrow the exclusion with its Host header.
    const borrowed = await rawRequest(`GET http://blog.example${SQLI} HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n`);
    expect(borrowed).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("detect: the attack passes to the upstream and is an event with its rule ids, marked detected", async () => {
    await runtime.apply(edgeIntent(sites(), WAF_DETECT));
    const before = upstream.requests.length;
    const r = await viaEdge(f.settings, "blog.example", XSS);
    expect(r.status).toBe(200);
    expect(upstream.requests.length).toBe(before + 1);
    const events = await logged();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ requestId: r.headers["x-request-id"], host: "blog.example", status: 200, action: "detected" });
    expect(events[0]!.ruleIds).toEqual(expect.arrayContaining([941100, 941110, 949110]));
  });

  it("off again: no event, and the reader kept every event it read", async () => {
    await runtime.apply(edgeIntent(sites(), WAF_OFF));
    expect((await viaEdge(f.settings, "blog.example", XSS)).status).toBe(200);
    expect(await logged()).toEqual([]);
    expect(reader.recent().map((e) => e.action)).toEqual(["blocked", "blocked", "blocked", "detected"]);
  });
});
