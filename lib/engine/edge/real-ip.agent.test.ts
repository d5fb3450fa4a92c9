import { readFileSync } from "node:fs";
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
  type TestUpstream,
} from "../../../test/support/edge";
import { EdgeRuntime } from "./runtime";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";
import { WafEventReader } from "./waf-events";

// Who the client is at the edge, against a real nginx with the CRS: behind a trusted proxy
// (WARDEN_EDGE_TRUSTED_PROXIES = the test's own address, 127.0.0.1) the visitor named in
// X-Forwarded-For is the client of the access log (what CrowdSec reads) and of the WAF's event; a
// prefix the visitor wrote itself is not believed. Without the list, the header names no one: the
// client is the connection's address. Each instance serves one site with the WAF blocking.

const XSS = `/search?q=${encodeURIComponent("<script>alert(1)</script>")}`;

let upstream: TestUpstream;

beforeAll(async () => {
  upstream = await testUpstream();
});

afterAll(async () => {
  await cleanupAllEdgeFixtures();
  await upstream.close();
});

/** An edge with `trustedProxies`, serving shop.example with the WAF blocking, and its audit log reader. */
async function edge(trustedProxies: string[]) {
  const f = await edgeFixture({ trustedProxies });
  const runtime = new EdgeRuntime(f.settings);
  await runtime.apply(edgeIntent([site("shop", ["shop.example"], upstream.url)], WAF_BLOCK));
  await untilEdge(f.settings, "shop.example", "/", (r) => r.status === 200);
  return { f, reader: new WafEventReader(edgePaths(f.settings).auditLog) };
}

/**
 * The WAF events logged so far. nginx writes its logs after it answers, in an order of its own: one
 * worker serves requests one after another, so once a later request's line is in the access log,
 * every entry of the earlier ones is written.
 */
async function loggedEvents(s: EdgeRuntimeSettings, reader: WafEventReader, sentinel: string) {
  await viaEdge(s, "shop.example", sentinel);
  await accessLine(s, sentinel);
  return reader.poll();
}

/** The access log's line for `target` once written (nginx logs after it answers). */
async function accessLine(s: EdgeRuntimeSettings, target: string): Promise<string> {
  return waitFor(
    () =>
      readFileSync(edgePaths(s).accessLog, "utf8")
        .split("\n")
        .find((l) => l.includes(`"GET ${target} `)),
    5_000,
    `the access log line of ${target}`,
    5,
  );
}

describe("the client address at the edge", () => {
  it("without trusted proxies X-Forwarded-For names no one: the client is the connection's address", async () => {
    const { f, reader } = await edge([]);
    expect(readFileSync(edgePaths(f.settings).config, "utf8")).not.toContain("real_ip");
    await viaEdge(f.settings, "shop.example", "/untrusted", { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(await accessLine(f.settings, "/untrusted")).toMatch(/^127\.0\.0\.1 - /);

    const blocked = await viaEdge(f.settings, "shop.example", XSS, { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(blocked.status).toBe(403);
    expect(await accessLine(f.settings, XSS)).toMatch(/^127\.0\.0\.1 - /);
    const events = await loggedEvents(f.settings, reader, "/__sentinel-untrusted");
    expect(events.map((e) => [e.requestId, e.client])).toEqual([[blocked.headers["x-request-id"], "127.0.0.1"]]);
    await f.cleanup();
  });

  it("behind a trusted proxy the forwarded client is the client of the access log and the WAF event; a prefix the visitor wrote is not", async () => {
    const { f, reader } = await edge(["127.0.0.1"]);
    expect(readFileSync(edgePaths(f.settings).config, "utf8")).toContain("set_real_ip_from 127.0.0.1;");
    await viaEdge(f.settings, "shop.example", "/trusted", { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(await accessLine(f.settings, "/trusted")).toMatch(/^203\.0\.113\.7 - /);
    // The visitor wrote 198.51.100.9; the proxy appended the address it saw: that one is the client.
    await viaEdge(f.settings, "shop.example", "/forged", { headers: { "x-forwarded-for": "198.51.100.9, 203.0.113.8" } });
    expect(await accessLine(f.settings, "/forged")).toMatch(/^203\.0\.113\.8 - /);
    // A request without the header is the proxy's own.
    await viaEdge(f.settings, "shop.example", "/direct");
    expect(await accessLine(f.settings, "/direct")).toMatch(/^127\.0\.0\.1 - /);
    // CrowdSec's log leaves out Warden's reserved sources by the connection's address: a forwarded
    // client named 127.0.0.3 is still in it (the proxy's connection is no probe), and so is everyone else.
    await viaEdge(f.settings, "shop.example", "/claims-probe", { headers: { "x-forwarded-for": "127.0.0.3" } });
    expect(await accessLine(f.settings, "/claims-probe")).toMatch(/^127\.0\.0\.3 - /);
    const inCrowdsecLog = () => {
      const text = readFileSync(edgePaths(f.settings).crowdsecAccessLog, "utf8");
      return ["/trusted", "/forged", "/direct", "/claims-probe"].every((target) => text.includes(`"GET ${target} `));
    };
    await waitFor(inCrowdsecLog, 5_000, "the four requests in CrowdSec's log", 5);

    const blocked = await viaEdge(f.settings, "shop.example", XSS, { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(blocked.status).toBe(403);
    expect(await accessLine(f.settings, XSS)).toMatch(/^203\.0\.113\.7 - /);
    const events = await loggedEvents(f.settings, reader, "/__sentinel-trusted");
    expect(events.map((e) => [e.requestId, e.client, e.action])).toEqual([[blocked.headers["x-request-id"], "203.0.113.7", "blocked"]]);
  });
});
