import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentFixture, cleanupAllFixtures, freePort, waitFor, type AgentFixture } from "../../../test/support/crowdsec";
import { cleanupAllEdgeFixtures, edgeFixture, edgeIntent, site, viaEdge, type EdgeFixture } from "../../../test/support/edge";
import { EdgeRuntime } from "../edge/runtime";
import { WAF_PROBE_SOURCE } from "../edge/reserved-sources";
import { edgePaths } from "../edge/settings";
import { AcquisitionLagReader } from "./acquisition-lag";
import { stopAgent } from "./agent-signals";
import { startAgent } from "./agent-start";
import { ensureInstance } from "./instance";
import { instancePaths } from "./settings";

// The managed CrowdSec agent reads the managed edge's traffic, against a real crowdsec 1.4.6 and a real
// nginx: a probing burst through the edge (12 distinct 404 paths from one address) becomes a ban decision
// for crowdsecurity/http-probing with no step by hand; the same burst from a reserved source (Verify's WAF
// probe address) never reaches CrowdSec's log and bans no one; the lag reader sees the agent catch up.
// The agent starts before the edge has ever run: the files it reads are made for it.

const ATTACKER = "127.0.0.80";
const exec = promisify(execFile);

let edge: EdgeFixture;
let cs: AgentFixture;
let upstream: http.Server;
let agentPid: number;

/** A site's upstream: 404 for /nope/…, 200 otherwise. */
async function notFoundUpstream(): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(req.url?.startsWith("/nope/") ? 404 : 200, { "content-type": "text/plain" });
    res.end("upstream\n");
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${port}` };
}

/** 12 GETs to distinct /nope/<n> paths from `source`, all at once; every one must be answered 404. */
async function probingBurst(source: string, tag: string): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, n) => viaEdge(edge.settings, "shop.example", `/nope/${tag}-${n}`, { localAddress: source })),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(12).fill(404));
}

interface Decision {
  value: string;
  type: string;
  scenario: string;
  origin: string;
}

async function cscli(...args: string[]): Promise<string> {
  return (await exec(cs.settings.cscli, ["-c", instancePaths(cs.settings).config, ...args], { timeout: 15_000 })).stdout;
}

async function decisionsFor(ip: string): Promise<Decision[]> {
  const alerts = JSON.parse(await cscli("decisions", "list", "--ip", ip, "-o", "json")) as { decisions?: Decision[] }[] | null;
  return (alerts ?? []).flatMap((a) => a.decisions ?? []);
}

/** The lines of an edge log that name `fragment` (nginx writes its buffered logs within a second). */
const linesWith = (file: string, fragment: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes(fragment));

beforeAll(async () => {
  const up = await notFoundUpstream();
  upstream = up.server;
  edge = await edgeFixture();
  cs = await agentFixture({ edgeLogDir: edgePaths(edge.settings).logs });
  await ensureInstance(cs.settings);
  agentPid = (await startAgent(cs.settings)).pid;
  await new EdgeRuntime(edge.settings).apply(edgeIntent([site("shop", ["shop.example"], up.url)]));
}, 60_000);

afterAll(async () => {
  if (cs) {
    for (const ip of [ATTACKER, WAF_PROBE_SOURCE]) await cscli("decisions", "delete", "--ip", ip).catch(() => undefined);
    await stopAgent(cs.settings, agentPid).catch(() => undefined);
  }
  await cleanupAllFixtures();
  await cleanupAllEdgeFixtures();
  await new Promise<void>((r) => upstream?.close(() => r()));
}, 30_000);

describe("CrowdSec reads the edge's traffic", () => {
  it("acquires the edge's CrowdSec log and error log, made before the agent started", () => {
    const p = edgePaths(edge.settings);
    const acquis = readFileSync(instancePaths(cs.settings).acquis, "utf8");
    for (const file of [instancePaths(cs.settings).accessLog, p.crowdsecAccessLog, p.errorLog]) expect(acquis).toContain(JSON.stringify(file));
    const agentLog = readFileSync(instancePaths(cs.settings).agentLog, "utf8");
    expect(agentLog).toContain(`Adding file ${p.crowdsecAccessLog} to datasources`);
    expect(agentLog).toContain(`Adding file ${p.errorLog} to datasources`);
    expect(agentLog).not.toContain("No matching files for pattern");
  });

  it("a probing burst from a visitor's address is banned for http-probing; the same burst from a reserved source never reaches CrowdSec", async () => {
    const p = edgePaths(edge.settings);
    const lag = new AcquisitionLagReader(cs.settings);
    expect(await lag.read()).toMatchObject({ ok: true });

    // The reserved source first: by the time the visitor's burst is decided, this one would have been too.
    await probingBurst(WAF_PROBE_SOURCE, "reserved");
    // A sentinel after it: once its line is in CrowdSec's log, the burst's would be (one worker, in order).
    await viaEdge(edge.settings, "shop.example", "/sentinel-after-reserved", { localAddress: "127.0.0.81" });
    await waitFor(() => linesWith(p.crowdsecAccessLog, "/sentinel-after-reserved").length === 1, 5_000, "the sentinel in CrowdSec's log");
    expect(linesWith(p.crowdsecAccessLog, WAF_PROBE_SOURCE)).toEqual([]);
    expect(linesWith(p.accessLog, `${WAF_PROBE_SOURCE} - `)).toHaveLength(12); // the admins' log has every request

    await probingBurst(ATTACKER, "visitor");
    const burstEnd = performance.now();
    // How much of the wait is nginx's buffer (flush=1s): the burst's lines reaching the file.
    const written = waitFor(() => linesWith(p.crowdsecAccessLog, `${ATTACKER} - `).length === 12, 5_000, "the burst in CrowdSec's log", 10).then(() =>
      Math.round(performance.now() - burstEnd),
    );
    const decisions = await waitFor(
      async () => {
        const found = await decisionsFor(ATTACKER);
        return found.length > 0 ? found : null;
      },
      10_000,
      `a decision for ${ATTACKER}`,
      50,
    );
    const toDecision = Math.round(performance.now() - burstEnd);
    console.log(
      `[timing] burst end → lines in crowdsec-access.log ${await written} ms; → decision for ${ATTACKER} in LAPI (cscli, polled every 50 ms): ${toDecision} ms`,
    );
    expect(decisions).toEqual([expect.objectContaining({ value: ATTACKER, type: "ban", scenario: "crowdsecurity/http-probing", origin: "crowdsec" })]);
    expect(linesWith(p.crowdsecAccessLog, `${ATTACKER} - `)).toHaveLength(12);
    expect(await decisionsFor(WAF_PROBE_SOURCE)).toEqual([]);
    expect(readFileSync(instancePaths(cs.settings).agentLog, "utf8")).not.toContain(`Ip ${WAF_PROBE_SOURCE} performed`);

    // The lag: every line written to the edge's logs since the agent started has been read.
    const caughtUp = await waitFor(
      async () => {
        const r = await lag.read();
        return r.ok && r.behindLines === 0 ? r : null;
      },
      5_000,
      "the agent to catch up",
    );
    const [access, error] = caughtUp.files;
    expect(access).toMatchObject({ path: p.crowdsecAccessLog, behind: 0, tailed: true });
    // The visitor's burst and the sentinel at least.
    expect(access!.linesRead).toBeGreaterThanOrEqual(13);
    expect(access!.linesWritten).toBe(linesWith(p.crowdsecAccessLog, "").length - 1); // every line (the last "" is the end)
    expect(error).toMatchObject({ path: p.errorLog, behind: 0, tailed: true });
    console.log(`[lag] ${JSON.stringify(caughtUp)}`);
  }, 40_000);
});
