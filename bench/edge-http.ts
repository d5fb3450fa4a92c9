// The HTTP side of `npm run bench:edge` (bench/edge.ts): the trivial upstream in its own process, a
// keep-alive client timed with process.hrtime, the poll for the first 403, and the throughput runs.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import autocannon from "autocannon";
import { BENCH_SOURCE } from "../lib/engine/edge/reserved-sources";

export const ATTACK = `/?q=${encodeURIComponent("<script>alert(1)</script>")}`;

/** What a current Chrome sends for a page (no cookies): the WAF at PL1 must let it through. */
export const BROWSER_GET = {
  path: "/index.html?page=2",
  headers: {
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    accept: "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8",
    "accept-language": "en-US,en;q=0.9",
    "accept-encoding": "gzip, deflate, br, zstd",
    "upgrade-insecure-requests": "1",
    "sec-fetch-dest": "document",
    "sec-fetch-mode": "navigate",
    "sec-fetch-site": "none",
    "sec-fetch-user": "?1",
  },
};

// The upstream runs in its own process so that it does not share an event loop with the client
// (autocannon would otherwise measure a client and a server competing for one thread).
const UPSTREAM_SOURCE = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": "3" });
    res.end("ok\\n");
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

export interface Upstream {
  port: number;
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/** A node http server on a free loopback port answering 200 "ok\n" (keep-alive), in a child process. */
export async function startUpstream(): Promise<Upstream> {
  const child = spawn(process.execPath, ["-e", UPSTREAM_SOURCE], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.on("exit", (code) => reject(new Error(`the upstream process exited with ${code} before listening`)));
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * One connection, reused: what a browser tab does. From the benchmarks' reserved loopback address, so
 * the edge leaves these requests out of the log CrowdSec reads. (autocannon cannot choose its source
 * address: the throughput runs come from 127.0.0.1; the rate cycles need an address each, 127.0.0.10 on.)
 */
export const keepAliveAgent = () => new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: BENCH_SOURCE });

export interface Timed {
  status: number;
  /** Request written → response body read, from process.hrtime. */
  ms: number;
  /** process.hrtime (ns) when the response was read. */
  at: bigint;
}

export function timedGet(agent: http.Agent, port: number, path: string, headers: Record<string, string>): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: "127.0.0.1", port, path, agent, headers }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => {
        const at = process.hrtime.bigint();
        resolve({ status: res.statusCode ?? 0, ms: Number(at - t0) / 1e6, at });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer on :${port}${path} within 10 s`)));
    req.end();
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Requests `path` every `everyMs` until it answers `status`; returns the hrtime (ns) of that answer.
 * A connection the edge closes in a reload (old worker) is retried at once, as a browser would.
 */
export async function untilStatus(
  agent: http.Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
  status: number,
  opts: { everyMs: number; timeoutMs: number },
): Promise<{ at: bigint; polls: number }> {
  const deadline = performance.now() + opts.timeoutMs;
  let polls = 0;
  let last = "nothing yet";
  while (performance.now() < deadline) {
    const started = performance.now();
    polls++;
    try {
      const r = await timedGet(agent, port, path, headers);
      if (r.status === status) return { at: r.at, polls };
      last = `HTTP ${r.status}`;
    } catch (error) {
      last = (error as Error).message;
      continue;
    }
    await pause(Math.max(0, opts.everyMs - (performance.now() - started)));
  }
  throw new Error(`${path} did not answer ${status} within ${opts.timeoutMs} ms (last: ${last})`);
}

export interface Throughput {
  reqPerS: number;
  /** Connections reset by the server: see below. */
  resets: number;
}

/**
 * req/s over `seconds` with `connections` keep-alive connections; every answer must be a 200.
 * nginx closes a keep-alive connection after 1000 requests (`keepalive_requests`); autocannon may have
 * written its next request by then and counts a reset. Up to one reset per such close is the client's
 * race, not a failure; any other error fails the run.
 */
export async function throughput(url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<Throughput> {
  const errors = new Map<string, number>();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({ url, connections, duration: seconds, headers }, (error, r) => (error ? reject(error) : resolve(r)));
    run.on("reqError", (error: Error & { code?: string }) => {
      const key = error.code ?? error.message;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    });
  });
  const resets = errors.get("ECONNRESET") ?? 0;
  const others = result.errors - resets;
  if (result.non2xx > 0 || others > 0 || result.timeouts > 0 || resets > Math.ceil(result.requests.total / 1000) + connections) {
    throw new Error(
      `${url} (${headers.host ?? "no host"}): ${result.non2xx} non-2xx answers, ${result.errors} errors (${JSON.stringify(Object.fromEntries(errors))}), ${result.timeouts} timeouts`,
    );
  }
  return { reqPerS: result.requests.total / result.duration, resets };
}
