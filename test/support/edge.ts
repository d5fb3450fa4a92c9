import { databaseDecisionStore } from "../../lib/engine/blocklist/decision-persistence";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { edgeProcessPids } from "../../lib/engine/edge/process";
import { edgePaths, edgeSettingsFrom, type EdgeRuntimeSettings } from "../../lib/engine/edge/settings";
import type { EdgeIntent, EdgeRateLimit, EdgeSite, EdgeWaf } from "../../lib/engine/edge/edge-intent";
import { isAlive, readStat } from "../../lib/engine/proc";
import { freePort, waitFor } from "./crowdsec";
import { tempDir } from "./databases";
import type { Db } from "../../lib/db";
import { DEFAULT_CROWDSEC_SETTINGS, type CrowdsecRuntimeSettings } from "../../lib/engine/crowdsec/settings";
import { createEngine, type Engine, type EngineOptions } from "../../lib/engine/engine";

// Fixtures for tests against a REAL nginx with ModSecurity and the OWASP CRS (Debian's packages):
// an edge instance in a temp directory on free loopback ports, and a real upstream (a tiny node
// http server on a free port) that records what reached it. Cleanup kills whatever nginx of the
// instance is still alive (its whole process group) before removing the directory.

export interface UpstreamRequest {
  method: string;
  url: string;
  host: string;
  bodyBytes: number;
}

export interface TestUpstream {
  port: number;
  url: string;
  requests: UpstreamRequest[];
  /** True when a request whose URL contains `fragment` reached the upstream. */
  saw(fragment: string): boolean;
  close(): Promise<void>;
}

/** A node http server on a free loopback port: 200 "upstream ok", WebSocket upgrades answered with 101. */
export async function testUpstream(): Promise<TestUpstream> {
  const requests: UpstreamRequest[] = [];
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", host: req.headers.host ?? "", bodyBytes });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`upstream ok ${bodyBytes}\n`);
    });
  });
  const upgraded = new Set<net.Socket>();
  server.on("upgrade", (req, socket: net.Socket) => {
    upgraded.add(socket);
    socket.on("close", () => upgraded.delete(socket));
    requests.push({ method: req.method ?? "", url: req.url ?? "", host: req.headers.host ?? "", bodyBytes: 0 });
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    socket.on("data", (d) => socket.write(d)); // echo
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    saw: (fragment) => requests.some((r) => r.url.includes(fragment)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface EdgeFixture {
  settings: EdgeRuntimeSettings;
  dir: string;
  cleanup(): Promise<void>;
}

const fixtures = new Set<EdgeFixture>();

export async function edgeFixture(overrides: Partial<EdgeRuntimeSettings> = {}): Promise<EdgeFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "warden-edge-"));
  const listenPort = await freePort();
  let controlPort = await freePort();
  while (controlPort === listenPort) controlPort = await freePort();
  const settings = edgeSettingsFrom({
    instanceDir: dir,
    listen: { host: "127.0.0.1", port: listenPort },
    control: { host: "127.0.0.1", port: controlPort },
    workerProcesses: 1,
    readyTimeoutMs: 10_000,
    reloadTimeoutMs: 10_000,
    stopGraceMs: 3_000,
    ...overrides,
  });
  const fixture: EdgeFixture = {
    settings,
    dir,
    async cleanup() {
      fixtures.delete(fixture);
      await killEdge(settings);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  fixtures.add(fixture);
  return fixture;
}

export async function cleanupAllEdgeFixtures(): Promise<void> {
  for (const f of [...fixtures]) await f.cleanup();
}

/** SIGKILL to every nginx process of the instance (and the groups they lead). */
export async function killEdge(settings: EdgeRuntimeSettings): Promise<void> {
  const pids = edgeProcessPids(settings);
  for (const pid of pids) {
    try {
      if (readStat(pid)?.pgrp === pid) process.kill(-pid, "SIGKILL");
      else process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  await waitFor(() => pids.every((p) => !isAlive(p)), 5_000, "edge processes to die");
}

export const WAF_OFF: EdgeWaf = { enabled: false, mode: "detect", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 };
export const WAF_BLOCK: EdgeWaf = { ...WAF_OFF, enabled: true, mode: "block" };
export const WAF_DETECT: EdgeWaf = { ...WAF_OFF, enabled: true, mode: "detect" };

export const RATE_OFF: EdgeRateLimit = { enabled: false, rate: 100, unit: "minute", burst: 10, excess: "reject" };

export function site(id: string, hostnames: string[], upstream: string, extra: Partial<EdgeSite> = {}): EdgeSite {
  return { id, hostnames, upstream, tlsVerify: true, enabled: true, maxBodyBytes: 10 * 1024 * 1024, waf: "inherit", rateLimit: "inherit", ...extra };
}

export function edgeIntent(
  sites: EdgeSite[],
  waf: EdgeWaf = WAF_OFF,
  exclusions: EdgeIntent["exclusions"] = [],
  rateLimit: EdgeRateLimit = RATE_OFF,
): EdgeIntent {
  return { sites, waf, exclusions, rateLimit };
}

export interface EdgeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request through the edge with a Host header, on a new connection (no keep-alive), from 127.0.0.1 unless told. */
export function viaEdge(
  settings: EdgeRuntimeSettings,
  host: string,
  target: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<EdgeResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: settings.listen.port,
        // A loopback source address of its own (127.0.0.6 and up for tests): the edge's rate limit counts per client address.
        localAddress: options.localAddress,
        path: target,
        method: options.method ?? "GET",
        agent: false,
        headers: { host, connection: "close", "user-agent": "warden-test", accept: "*/*", ...options.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from the edge for ${host}${target}`)));
    req.end(options.body);
  });
}

/** Polls requests through the edge until `accept` says yes; returns that response and how long it took. */
export async function untilEdge(
  settings: EdgeRuntimeSettings,
  host: string,
  target: string,
  accept: (r: EdgeResponse) => boolean,
  timeoutMs = 10_000,
): Promise<{ response: EdgeResponse; ms: number }> {
  const t0 = performance.now();
  const response = await waitFor(
    async () => {
      const r = await viaEdge(settings, host, target).catch(() => null);
      return r && accept(r) ? r : null;
    },
    timeoutMs,
    `${host}${target} through the edge`,
    5,
  );
  return { response, ms: Math.round(performance.now() - t0) };
}

/**
 * The panel's engine on a test edge: its CrowdSec instance (reading that edge's logs, as the panel's
 * does) and WAF tuning file in a temp dir of their own (never ./data). The caller closes it.
 */
export function edgeEngine(
  db: Db,
  edge: EdgeRuntimeSettings,
  options: { crowdsec?: Partial<CrowdsecRuntimeSettings> } & Pick<EngineOptions, "verifyAfterApply"> = {},
): Engine {
  const dir = tempDir("warden-edge-engine-");
  return createEngine(db, {
    edge,
    verifyAfterApply: options.verifyAfterApply,
    decisionStore: databaseDecisionStore(db),
    crowdsec: { ...DEFAULT_CROWDSEC_SETTINGS, instanceDir: path.join(dir, "crowdsec"), edgeLogDir: edgePaths(edge).logs, ...options.crowdsec },
    waf: { tuningFile: path.join(dir, "waf", "crs-tuning.conf") },
  });
}
