import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../test/support/crowdsec";
import { deferred, waitFor } from "../../test/support/wait";
import { UpstreamProber, type ProbedSite } from "./upstream-health";
import { probeUpstream, type ProbeOutcome, type ProbeTarget } from "./upstream-probe";

// A site's upstream health as the Sites page shows it, probed against real sockets on loopback: a
// listening port is reachable with its latency, a closed one unreachable with the reason, an https
// upstream with a self-signed certificate is refused when the site verifies TLS and reachable when it
// does not. The prober keeps one probe per site in flight, follows a changed upstream to its new
// address, and forgets removed sites.

const servers: net.Server[] = [];
const connections = new Set<net.Socket>();
let certDir: string;
let cert: { key: string; cert: string };

function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on("connection", (socket: net.Socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

/** A plain TCP server that accepts and closes: what any HTTP upstream is to a connect. */
const tcpServer = () => listen(net.createServer((socket) => socket.end()));

beforeAll(() => {
  certDir = mkdtempSync(path.join(os.tmpdir(), "warden-upstream-cert-"));
  const key = path.join(certDir, "key.pem");
  const crt = path.join(certDir, "cert.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
      ...["-keyout", key, "-out", crt, "-subj", "/CN=upstream.test", "-addext", "subjectAltName=DNS:upstream.test,IP:127.0.0.1"],
    ],
    { stdio: "pipe" },
  );
  cert = { key: readFileSync(key, "utf8"), cert: readFileSync(crt, "utf8") };
});

afterAll(async () => {
  for (const socket of connections) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(certDir, { recursive: true, force: true });
});

describe("probeUpstream", () => {
  it("a listening upstream is reachable, with the connect latency", async () => {
    const port = await tcpServer();
    const outcome = await probeUpstream({ upstream: `http://127.0.0.1:${port}`, tlsVerify: true }, 3_000);
    expect(outcome).toEqual({ ok: true, latencyMs: expect.any(Number) });
    expect((outcome as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(0);
    expect((outcome as { latencyMs: number }).latencyMs).toBeLessThan(3_000);
  });

  it("a closed port is unreachable: connection refused", async () => {
    const port = await freePort();
    expect(await probeUpstream({ upstream: `http://127.0.0.1:${port}`, tlsVerify: true }, 3_000)).toEqual({ ok: false, error: "connection refused" });
  });

  it("https with a self-signed certificate: refused when the site verifies TLS, reachable when it does not", async () => {
    const port = await listen(tls.createServer(cert, (socket) => socket.end()));
    const upstream = `https://127.0.0.1:${port}`;
    expect(await probeUpstream({ upstream, tlsVerify: true }, 3_000)).toEqual({ ok: false, error: "certificate not trusted: it is self-signed" });
    expect(await probeUpstream({ upstream, tlsVerify: false }, 3_000)).toEqual({ ok: true, latencyMs: expect.any(Number) });
  });

  it("https to a plain server fails the handshake; a server that never answers it times out", async () => {
    const plain = await listen(net.createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n")));
    const refused = await probeUpstream({ upstream: `https://127.0.0.1:${plain}`, tlsVerify: false }, 3_000);
    expect(refused).toEqual({ ok: false, error: "TLS handshake failed: wrong version number" });
    const silent = await listen(net.createServer(() => undefined));
    expect(await probeUpstream({ upstream: `https://127.0.0.1:${silent}`, tlsVerify: false }, 200)).toEqual({ ok: false, error: "no answer within 200 ms" });
  });
});

describe("UpstreamProber", () => {
  const probers: UpstreamProber[] = [];
  afterEach(() => probers.splice(0).forEach((p) => p.stop()));

  /** A prober on `sites`; `loads` counts its intervals (each reads the sites once). */
  function prober(sites: () => ProbedSite[], options: { intervalMs?: number; probe?: (t: ProbeTarget, ms: number) => Promise<ProbeOutcome> } = {}) {
    const counter = { loads: 0 };
    const loadSites = async () => (counter.loads++, sites());
    const p = new UpstreamProber({ intervalMs: options.intervalMs ?? 60_000, timeoutMs: 3_000, loadSites, probe: options.probe });
    probers.push(p);
    return Object.assign(p, { counter });
  }
  const site = (id: number, upstream: string, extra: Partial<ProbedSite> = {}): ProbedSite => ({ id, upstream, tlsVerify: true, enabled: true, ...extra });

  it("the first read starts it: not checked yet, then reachable with latency or unreachable with the reason; disabled sites are not probed", async () => {
    const open = await tcpServer();
    const closed = await freePort();
    const sites = [site(1, `http://127.0.0.1:${open}`), site(2, `http://127.0.0.1:${closed}`), site(3, `http://127.0.0.1:${open}`, { enabled: false })];
    const p = prober(() => sites);
    const first = p.health(sites);
    expect(first[1]).toEqual({ state: "unknown", upstream: sites[0]!.upstream, latencyMs: null, error: null, checkedAt: null });
    expect(first[3]).toBeUndefined();
    const health = await waitFor(() => (p.probing === 0 ? p.health(sites) : null), 5_000, "the first probes");
    expect(health[1]).toMatchObject({ state: "reachable", upstream: `http://127.0.0.1:${open}`, error: null, latencyMs: expect.any(Number) });
    expect(health[2]).toMatchObject({ state: "unreachable", latencyMs: null, error: "connection refused" });
    expect(Date.now() - Date.parse(health[2]!.checkedAt!)).toBeLessThan(5_000);
    expect(health[3]).toBeUndefined();
  });

  it("a site whose upstream changes is probed at its new address, and the old result is never shown for it", async () => {
    const closed = await freePort();
    const open = await tcpServer();
    let sites = [site(1, `http://127.0.0.1:${closed}`)];
    const p = prober(() => sites);
    p.health(sites);
    await waitFor(() => p.health(sites)[1]?.state === "unreachable", 5_000, "the old address refused");
    sites = [site(1, `http://127.0.0.1:${open}`)];
    expect(p.health(sites)[1]).toMatchObject({ state: "unknown", upstream: `http://127.0.0.1:${open}`, checkedAt: null });
    const now = await waitFor(() => (p.health(sites)[1]?.state === "reachable" ? p.health(sites)[1] : null), 5_000, "the new address probed");
    expect(now.upstream).toBe(`http://127.0.0.1:${open}`);
  });

  it("one probe per site in flight: reads and ticks while it hangs start no other; a change meanwhile is probed when it returns", async () => {
    const calls: { target: ProbeTarget; done: ReturnType<typeof deferred<ProbeOutcome>> }[] = [];
    const probe = (target: ProbeTarget) => {
      const done = deferred<ProbeOutcome>();
      calls.push({ target, done });
      return done.promise;
    };
    let sites = [site(7, "http://127.0.0.1:9101")];
    const p = prober(() => sites, { intervalMs: 20, probe });
    p.health(sites);
    expect(calls).toHaveLength(1);
    // Intervals pass while the first probe hangs.
    await waitFor(() => p.counter.loads >= 5, 2_000, "five intervals");
    p.health(sites);
    expect(calls).toHaveLength(1);
    expect(p.probing).toBe(1);

    sites = [site(7, "http://127.0.0.1:9102")];
    p.health(sites);
    expect(calls).toHaveLength(1);
    calls[0]!.done.resolve({ ok: true, latencyMs: 1 });
    await waitFor(() => calls.length === 2, 1_000, "the new address probed once the old probe returned");
    expect(calls[1]!.target.upstream).toBe("http://127.0.0.1:9102");
    // The old address's answer was not kept for the new one.
    expect(p.health(sites)[7]).toMatchObject({ state: "unknown", upstream: "http://127.0.0.1:9102" });
    calls[1]!.done.resolve({ ok: false, error: "connection refused" });
    await waitFor(() => p.health(sites)[7]?.state === "unreachable", 1_000, "the new address's result");
  });

  it("probes again on its interval, and drops the result of a site that was removed", async () => {
    const targets: string[] = [];
    const probe = async (target: ProbeTarget): Promise<ProbeOutcome> => {
      targets.push(target.upstream);
      return { ok: true, latencyMs: 0.4 };
    };
    let sites = [site(1, "http://127.0.0.1:9201"), site(2, "http://127.0.0.1:9202")];
    const p = prober(() => sites, { intervalMs: 20, probe });
    p.health(sites);
    await waitFor(() => targets.filter((t) => t.endsWith(":9201")).length >= 3, 2_000, "three probes of one site on the interval");
    sites = [site(2, "http://127.0.0.1:9202")];
    // The interval that read the list without site 1, then two more.
    const loads = p.counter.loads;
    await waitFor(() => p.counter.loads >= loads + 1, 2_000, "the interval that reads the shorter list");
    const after = targets.length;
    await waitFor(() => p.counter.loads >= loads + 3, 2_000, "two more intervals");
    expect(targets.slice(after)).not.toContain("http://127.0.0.1:9201");
    expect(targets.slice(after)).toContain("http://127.0.0.1:9202");
    expect(Object.keys(p.health(sites))).toEqual(["2"]);
    // Back with the same id (a re-enabled site): its old result is gone, it is probed afresh.
    expect(p.health([site(1, "http://127.0.0.1:9201"), ...sites])[1]).toMatchObject({ state: "unknown" });
  });
});
