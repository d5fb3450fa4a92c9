import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { EdgeRuntime } from "../edge/runtime";
import { applyBlocklist, probeBlocklist } from "./blocklist-runtime";
import { BLOCKLIST_FILE } from "./render-blocklist";

// The blocklist against Debian's real nginx + ModSecurity + CRS: a banned address (or one inside a
// banned range) gets the ban page before the WAF runs; everyone else is served; a blocklist nginx
// refuses leaves the last good one live. Loopback sources: 127.0.0.21–23 (this file's own).

let upstream: TestUpstream;
let f: EdgeFixture;
const HOST = "bl.example";
const from = (localAddress: string, target = "/") => viaEdge(f.settings, HOST, target, { localAddress });

beforeAll(async () => {
  upstream = await testUpstream();
  f = await edgeFixture();
  await new EdgeRuntime(f.settings).apply(edgeIntent([site("bl", [HOST], upstream.url)], WAF_BLOCK));
});
afterAll(async () => {
  await cleanupAllEdgeFixtures();
  await upstream.close();
});

describe("the edge's blocklist", () => {
  it("starts empty (generation 0) and serves everyone", async () => {
    const served = await probeBlocklist(f.settings);
    expect(served).toMatchObject({ ok: true, generation: 0, count: 0 });
    expect((await from("127.0.0.21")).status).toBe(200);
  });

  it("a banned address gets 403 marked as a ban, before the WAF (an attack from it is a ban, not a WAF block); others pass", async () => {
    const r = await applyBlocklist(f.settings, ["127.0.0.21", "127.0.0.22/32".replace("/32", "")]);
    expect(r).toMatchObject({ action: "reloaded", generation: 1, count: 2 });
    console.log(`[timing] blocklist of 2: reload ${r.reloadMs} ms, total ${r.ms} ms`);
    const banned = await from("127.0.0.21");
    expect(banned.status).toBe(403);
    expect(banned.headers["x-warden-block"]).toBe("ban");
    expect(banned.body).toMatch(/banned .*CrowdSec decision.*Request id: [0-9a-f]{32}/);
    const attack = await from("127.0.0.21", "/?q=%3Cscript%3Ealert(1)%3C/script%3E");
    expect(attack.headers["x-warden-block"]).toBe("ban");
    const other = await from("127.0.0.23");
    expect(other.status).toBe(200);
    expect(other.headers["x-warden-block"]).toBeUndefined();
    expect(await probeBlocklist(f.settings)).toMatchObject({ ok: true, generation: 1, count: 2 });
  });

  it("a range bans every address inside it; the same set again is unchanged (no reload)", async () => {
    await applyBlocklist(f.settings, ["127.0.0.16/29"]);
    expect((await from("127.0.0.21")).status).toBe(403);
    expect((await from("127.0.0.23")).status).toBe(403);
    expect((await from("127.0.0.1")).status).toBe(200);
    const again = await applyBlocklist(f.settings, ["127.0.0.16/29"]);
    expect(again.action).toBe("unchanged");
  });

  it("10,000 entries: one reload, enforced, and the edge still serves others", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.7`).sort();
    const r = await applyBlocklist(f.settings, [...many, "127.0.0.22"].sort());
    console.log(`[timing] blocklist of 10,001: reload ${r.reloadMs} ms, total ${r.ms} ms`);
    expect(r).toMatchObject({ action: "reloaded", count: 10_001 });
    expect((await from("127.0.0.22")).status).toBe(403);
    expect((await from("127.0.0.21")).status).toBe(200);
  });

  it("a blocklist nginx refuses (the configuration around it broken by hand) leaves the last good one live and says why", async () => {
    const before = await probeBlocklist(f.settings);
    const siteFile = path.join(f.dir, "conf.d", "site-bl.conf");
    const good = readFileSync(siteFile, "utf8");
    writeFileSync(siteFile, good.replace("server {", "server { nonsense_directive on;"));
    try {
      await expect(applyBlocklist(f.settings, ["127.0.0.21"])).rejects.toThrow(/nginx refused .* keeps serving blocklist generation \d+/);
      expect(await probeBlocklist(f.settings)).toMatchObject({ ok: true, generation: before.ok ? before.generation : -1 });
      expect(readFileSync(path.join(f.dir, BLOCKLIST_FILE), "utf8")).toContain("127.0.0.22 1;");
      expect((await from("127.0.0.22")).status).toBe(403);
      expect((await from("127.0.0.21")).status).toBe(200);
    } finally {
      writeFileSync(siteFile, good);
    }
    await applyBlocklist(f.settings, []);
    expect((await from("127.0.0.22")).status).toBe(200);
  });
});
