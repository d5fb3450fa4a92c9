import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, dbSlot } from "../../db";
import { resetEnvCache } from "../../env";
import { missingEdgePackage } from "../../engine/edge/instance-dir";
import { edgeSettings } from "../../engine/edge/settings";
import { createSite, updateSite } from "../../sites/site-store";
import { resetUpstreamProber } from "../../sites/upstream-health";
import { freePort } from "../../../test/support/crowdsec";
import { cleanupTempDirs, freshSqliteUrl } from "../../../test/support/databases";
import { waitFor } from "../../../test/support/wait";
import { sitesView } from "./sites-queries";

// What the Sites page reads: the sites, each enabled site's upstream health from the process's prober
// (started by this first read), and whether the edge's packages are there. A real SQLite file and a
// real upstream on a free loopback port.

const ADMIN = { actor: "admin" };
const SITE = { tlsVerify: true, enabled: true, maxBodyBytes: 10_485_760, waf: "inherit" };
let upstream: net.Server;
const connections = new Set<net.Socket>();
let port: number;
const savedUrl = process.env.DATABASE_URL;

beforeAll(async () => {
  process.env.DATABASE_URL = await freshSqliteUrl();
  resetEnvCache();
  dbSlot.clear();
  upstream = net.createServer((socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
    socket.end();
  });
  port = await new Promise<number>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve((upstream.address() as net.AddressInfo).port)));
});

afterAll(async () => {
  resetUpstreamProber();
  await db().$disconnect();
  dbSlot.clear();
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  resetEnvCache();
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => upstream.close(resolve));
  cleanupTempDirs();
});

describe("sitesView", () => {
  it("shows each enabled site's upstream health (not checked yet, then what the probe saw) and the edge's packages", async () => {
    const closed = await freePort();
    const up = await createSite(db(), { ...SITE, hosts: ["up.example.com"], upstream: `http://127.0.0.1:${port}` }, ADMIN);
    const down = await createSite(db(), { ...SITE, hosts: ["down.example.com"], upstream: `http://127.0.0.1:${closed}` }, ADMIN);
    const off = await createSite(db(), { ...SITE, hosts: ["off.example.com"], upstream: `http://127.0.0.1:${port}`, enabled: false }, ADMIN);
    const [upId, downId, offId] = [up.site!.id, down.site!.id, off.site!.id];

    const first = await sitesView();
    expect(first.sites.map((s) => s.id)).toEqual([upId, downId, offId]);
    expect(first.health[upId]).toMatchObject({ state: "unknown", checkedAt: null });
    expect(first.health[offId]).toBeUndefined();
    const missing = missingEdgePackage(edgeSettings());
    expect(first).toMatchObject({ edgeInstalled: missing === null, edgeMissing: missing });

    const probed = await waitFor(
      async () => {
        const v = await sitesView();
        return v.health[upId]?.state === "reachable" && v.health[downId]?.state === "unreachable" ? v : null;
      },
      5_000,
      "both upstreams probed",
    );
    expect(probed.health[upId]!.latencyMs).toEqual(expect.any(Number));
    expect(probed.health[downId]).toMatchObject({ error: "connection refused", latencyMs: null });

    // The admin fixes the upstream: the next read shows the new address, probed at once.
    await updateSite(
      db(),
      { id: downId, expectedVersion: down.site!.version, fields: { ...SITE, hosts: ["down.example.com"], upstream: `http://127.0.0.1:${port}` } },
      ADMIN,
    );
    expect((await sitesView()).health[downId]).toMatchObject({ upstream: `http://127.0.0.1:${port}` });
    await waitFor(async () => (await sitesView()).health[downId]?.state === "reachable", 5_000, "the fixed upstream reachable");
  });
});
