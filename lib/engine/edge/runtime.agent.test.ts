import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, holdPort, waitFor } from "../../../test/support/crowdsec";
import {
  cleanupAllEdgeFixtures,
  edgeFixture,
  edgeIntent,
  site,
  testUpstream,
  untilEdge,
  viaEdge,
  WAF_BLOCK,
  WAF_OFF,
  type EdgeFixture,
  type TestUpstream,
} from "../../../test/support/edge";
import { probeControl } from "./control";
import { compareEdge } from "./diff";
import { EdgeNotInstalledError } from "./instance-dir";
import { acceptingWorkers, edgeMasterPids, edgeProcessPids, readPidFile } from "./process";
import { renderSet } from "./rendered-set";
import { EdgeRuntime } from "./runtime";
import { edgePaths } from "./settings";
import { isAlive, readStat } from "../proc";
import { ValidationError } from "../../errors";
import type { EdgeIntent } from "./edge-intent";

// The edge runtime against Debian's real nginx + ModSecurity + OWASP CRS and a real upstream: one
// instance is reused through the lifecycle describe (start, serve, reload, refuse, edit, kill,
// respawn, stop), each step checked from the outside (HTTP through the edge, the control listener,
// /proc). Timings are printed as `[timing]` lines.

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await testUpstream();
});
afterAll(async () => {
  await cleanupAllEdgeFixtures();
  await upstream.close();
});

const desired = (runtime: EdgeRuntime, intent: EdgeIntent) => {
  const set = renderSet(intent, runtime.settings);
  return { ok: true as const, intent, wanted: intent.sites.some((s) => s.enabled), hash: set.hash, sites: intent.sites.length };
};

describe("the edge's lifecycle (one instance)", () => {
  let f: EdgeFixture;
  let runtime: EdgeRuntime;
  let intent: EdgeIntent;

  beforeAll(async () => {
    f = await edgeFixture();
    runtime = new EdgeRuntime(f.settings);
    intent = edgeIntent([site("app", ["app.example", "*.app.example"], upstream.url)], WAF_BLOCK);
  });

  it("starts with the CRS loaded and proxies a site: 200 from the upstream, request id on the answer", async () => {
    const t0 = performance.now();
    const report = await runtime.apply(intent);
    const first = await untilEdge(f.settings, "app.example", "/hello?q=1", (r) => r.status === 200);
    const startToFirst200 = Math.round(performance.now() - t0);
    console.log(
      `[timing] start (CRS loaded) → first proxied 200: ${startToFirst200} ms (spawn → generation served ${report.readyMs} ms, nginx -t ${report.testMs} ms)`,
    );
    expect(report).toMatchObject({ action: "started", generation: 1 });
    expect(first.response.body).toBe("upstream ok 0\n");
    expect(first.response.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
    expect(upstream.saw("/hello?q=1")).toBe(true);
    expect(upstream.requests.at(-1)?.host).toBe("app.example");
    const masters = edgeMasterPids(f.settings);
    expect(masters).toEqual([report.pid]);
    expect(readPidFile(f.settings)).toBe(report.pid);
    expect(readStat(report.pid!)?.pgrp).toBe(report.pid); // its own process group
    const served = await probeControl(f.settings);
    expect(served).toMatchObject({ ok: true, generation: 1, hash: report.hash });
    const o = await runtime.observe();
    expect(o).toMatchObject({ running: true, pid: report.pid, served: { generation: 1, hash: report.hash }, written: { generation: 1 } });
    expect(o.files.every((file) => file.state === "as_written")).toBe(true);
    expect(o.loadedAt).not.toBeNull();
    expect(compareEdge(desired(runtime, intent), o)).toMatchObject({ verdict: "in_sync", differences: [] });
  });

  it("answers an unknown host with a plain 404, never reaching the upstream; wildcard names are served", async () => {
    const before = upstream.requests.length;
    const unknown = await viaEdge(f.settings, "other.example", "/x");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("404 Not Found");
    expect(upstream.requests.length).toBe(before);
    expect((await viaEdge(f.settings, "deep.sub.app.example", "/wild")).status).toBe(200);
    // The control listener is not a site: its path on the public listener is an unknown host's 404.
    expect((await viaEdge(f.settings, "app.example", "/__warden/generation")).body).toBe("upstream ok 0\n");
  });

  it("passes WebSocket upgrades, request bodies nginx buffers to disk, and refuses bodies above the site's maximum", async () => {
    const upgraded = await new Promise<string>((resolve, reject) => {
      const req = http.request({
        host: "127.0.0.1",
        port: f.settings.listen.port,
        path: "/socket",
        agent: false,
        headers: { host: "app.example", connection: "Upgrade", upgrade: "websocket", "user-agent": "warden-test" },
      });
      req.on("upgrade", (res, socket) => {
        socket.once("data", (d) => {
          socket.destroy();
          resolve(`${res.statusCode} ${d.toString()}`);
        });
        socket.write("ping");
      });
      req.on("response", (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
      req.on("error", reject);
      req.end();
    });
    expect(upgraded).toBe("101 ping");
    // 64 KB is above nginx's in-memory body buffer: the workers (nobody) write it to tmp/client_body.
    const form = `a=${"a".repeat(64 * 1024)}`;
    const big = await viaEdge(f.settings, "app.example", "/upload", {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(big.status).toBe(200);
    expect(big.body).toBe(`upstream ok ${form.length}\n`);
  });

  it("applying the same intent again changes nothing (no reload)", async () => {
    const report = await runtime.apply(intent);
    expect(report).toMatchObject({ action: "unchanged", generation: 1 });
  });

  it("reloads to a new generation without a restart, confirmed by the control listener", async () => {
    const pid = readPidFile(f.settings);
    intent = edgeIntent([site("app", ["app.example", "*.app.example"], upstream.url, { maxBodyBytes: 1024 })], WAF_BLOCK);
    const t0 = performance.now();
    const report = await runtime.apply(intent);
    const ms = Math.round(performance.now() - t0);
    console.log(`[timing] reload (CRS loaded) → new generation confirmed: ${report.readyMs} ms after HUP (apply ${ms} ms, nginx -t ${report.testMs} ms)`);
    expect(report).toMatchObject({ action: "reloaded", generation: 2, pid });
    expect(await probeControl(f.settings)).toMatchObject({ ok: true, generation: 2, hash: report.hash });
    const tooBig = await viaEdge(f.settings, "app.example", "/upload", { method: "POST", body: Buffer.alloc(2048, "a") });
    expect(tooBig.status).toBe(413);
  });

  it("a configuration nginx -t refuses: clear error with nginx's reason, files put back, the old generation keeps serving", async () => {
    const p = edgePaths(f.settings);
    const before = Object.fromEntries(
      ["nginx.conf", "conf.d/generation.conf", "conf.d/site-app.conf"].map((rel) => [rel, readFileSync(path.join(p.dir, rel), "utf8")]),
    );
    const broken = edgeIntent([...intent.sites, site("gone", ["gone.example"], "http://nonexistent.invalid:8080")], WAF_BLOCK);
    const error = await runtime.apply(broken).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^nginx refused the new configuration, so nothing changed \(the edge keeps serving generation 2\): host not found in upstream "nonexistent\.invalid:8080" in .*site-gone\.conf:\d+$/,
    );
    for (const [rel, text] of Object.entries(before)) expect(readFileSync(path.join(p.dir, rel), "utf8")).toBe(text);
    expect(existsSync(path.join(p.confD, "site-gone.conf"))).toBe(false);
    expect(await probeControl(f.settings)).toMatchObject({ ok: true, generation: 2 });
    expect((await viaEdge(f.settings, "app.example", "/still")).status).toBe(200);
  });

  it("a reload nginx refuses although nginx -t passed (the new listen port is taken): old configuration live, files put back", async () => {
    const taken = await holdPort(await freePort());
    try {
      const moved = new EdgeRuntime({ ...f.settings, listen: { host: "127.0.0.1", port: taken.port } });
      const nginxConf = readFileSync(edgePaths(f.settings).config, "utf8");
      const error = await moved.apply(intent).catch((e: Error) => e);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^The edge's reload failed: nginx refused the new configuration and keeps serving the previous one: bind\\(\\) to 127\\.0\\.0\\.1:${taken.port} failed \\(98: Address already in use\\)\\.$`,
        ),
      );
      expect(readFileSync(edgePaths(f.settings).config, "utf8")).toBe(nginxConf);
      expect(await probeControl(f.settings)).toMatchObject({ ok: true, generation: 2 });
      expect((await viaEdge(f.settings, "app.example", "/after-refusal")).status).toBe(200);
      expect(compareEdge(desired(runtime, intent), await runtime.observe())).toMatchObject({ verdict: "in_sync", differences: [] });
    } finally {
      await taken.close();
    }
  });

  it("a rendered file edited on disk is a diff line; apply writes it back and reloads", async () => {
    const p = edgePaths(f.settings);
    const file = path.join(p.confD, "site-app.conf");
    writeFileSync(file, readFileSync(file, "utf8").replace("client_max_body_size 1024;", "client_max_body_size 1m;"));
    const o = await runtime.observe();
    expect(o.files.find((x) => x.path === "conf.d/site-app.conf")?.state).toBe("edited");
    const check = compareEdge(desired(runtime, intent), o);
    expect(check.verdict).toBe("drift");
    expect(check.differences).toEqual([{ item: "file conf.d/site-app.conf", expected: "as Warden wrote it", actual: "edited on disk" }]);
    const report = await runtime.apply(intent);
    // Generation 3 was the refused reload's: numbers are never reused.
    expect(report).toMatchObject({ action: "reloaded", generation: 4 });
    expect(compareEdge(desired(runtime, intent), await runtime.observe())).toMatchObject({ verdict: "in_sync", differences: [] });
  });

  it("master killed with SIGKILL while its workers hold the port: observe says not running; apply clears the group and serves again", async () => {
    const master = readPidFile(f.settings)!;
    const workers = acceptingWorkers(master);
    expect(workers.length).toBe(1);
    process.kill(master, "SIGKILL");
    await waitFor(() => !isAlive(master), 5_000, "the master to die");
    const o = await runtime.observe();
    expect(o).toMatchObject({ running: false, pidFile: "stale_dead" });
    expect(o.orphans).toEqual(expect.arrayContaining(workers));
    // The orphaned worker still holds the listening socket: a new master could not bind.
    expect((await viaEdge(f.settings, "app.example", "/orphan")).status).toBe(200);
    const check = compareEdge(desired(runtime, intent), o);
    expect(check.differences[0]).toMatchObject({ item: "edge", expected: "running" });
    expect(check.differences[0]!.actual).toMatch(/^not running \(\d+ nginx workers? left without their master: pid /);

    const report = await runtime.apply(intent);
    expect(report.action).toBe("started");
    expect(workers.some(isAlive)).toBe(false);
    expect(edgeMasterPids(f.settings)).toEqual([report.pid]);
    expect((await viaEdge(f.settings, "app.example", "/again")).status).toBe(200);
    expect(compareEdge(desired(runtime, intent), await runtime.observe())).toMatchObject({ verdict: "in_sync", differences: [] });
  });

  it("no enabled site: the edge stops (QUIT), leaving no process; observe says stopped", async () => {
    const pid = readPidFile(f.settings)!;
    const off = edgeIntent([{ ...intent.sites[0]!, enabled: false }], WAF_BLOCK);
    const t0 = performance.now();
    const report = await runtime.apply(off);
    console.log(`[timing] stop (CRS loaded): ${Math.round(performance.now() - t0)} ms (${report.stoppedHow})`);
    expect(report).toMatchObject({ action: "stopped", stoppedHow: "sigquit" });
    expect(isAlive(pid)).toBe(false);
    expect(edgeProcessPids(f.settings)).toEqual([]);
    expect(existsSync(edgePaths(f.settings).pidFile)).toBe(false);
    const o = await runtime.observe();
    expect(o).toMatchObject({ running: false, pidFile: "absent", orphans: [] });
    expect(compareEdge(desired(runtime, off), o).verdict).toBe("in_sync");
    expect(await runtime.apply(off)).toMatchObject({ action: "not_running" });
  });
});

describe("the edge refuses and fails clearly", () => {
  it("the listen port taken by another program: a clear error naming it, nothing left running", async () => {
    const f = await edgeFixture();
    const held = await holdPort(f.settings.listen.port);
    try {
      const runtime = new EdgeRuntime(f.settings);
      const error = await runtime.apply(edgeIntent([site("app", ["app.example"], upstream.url)], WAF_OFF)).catch((e: Error) => e);
      expect((error as Error).message).toBe(
        `The edge cannot start: 127.0.0.1:${f.settings.listen.port} (the edge's listener) is already in use by node (pid ${process.pid}).`,
      );
      expect(edgeProcessPids(f.settings)).toEqual([]);
      expect((await runtime.observe()).running).toBe(false);
    } finally {
      await held.close();
      await f.cleanup();
    }
  });

  it("the edge packages missing: a NOT_INSTALLED error saying how to install, 0 bytes written", async () => {
    const f = await edgeFixture({ bin: "/nonexistent/nginx" });
    const runtime = new EdgeRuntime(f.settings);
    const error = await runtime.apply(edgeIntent([site("app", ["app.example"], upstream.url)])).catch((e: Error) => e);
    expect(error).toBeInstanceOf(EdgeNotInstalledError);
    expect((error as EdgeNotInstalledError).code).toBe("NOT_INSTALLED");
    expect((error as Error).message).toBe(
      "The edge is not installed: edge packages missing (/nonexistent/nginx is missing (package nginx)); install them with `sudo bash scripts/install-edge.sh` (offline, Debian's archive only; see README).",
    );
    expect(readdirSync(f.dir)).toEqual([]);
    expect((await runtime.observe()).notInstalled).toBe("/nonexistent/nginx is missing (package nginx)");
    await f.cleanup();
  });

  it("an injection in a host name is refused before anything is written", async () => {
    const f = await edgeFixture();
    const runtime = new EdgeRuntime(f.settings);
    const error = await runtime.apply(edgeIntent([site("app", ["app.example;} server { listen 80"], upstream.url)])).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^The edge configuration was refused, nothing was written: site "app": Host name .* contains the character ;/);
    expect(readdirSync(f.dir)).toEqual([]);
    expect(edgeProcessPids(f.settings)).toEqual([]);
    await f.cleanup();
  });
});
