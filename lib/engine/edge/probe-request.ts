import "server-only";
import http from "node:http";
import { performance } from "node:perf_hooks";
import type { EdgeRuntimeSettings } from "./settings";

// One request of a Verify probe, sent through the edge's public listener from a chosen loopback source
// address (one per use, reserved-sources.ts: 127.0.0.3 for the WAF probe, 127.0.0.4 for the rate probe),
// so the edge sees the probe as a client of its own: what it answers is what a visitor at that address
// would get. CrowdSec's access log leaves these addresses out.

export { RATE_PROBE_SOURCE, WAF_PROBE_SOURCE } from "./reserved-sources";

/** `banned`: the answer carries the edge's ban mark (X-Warden-Block: ban). */
export type ProbeAnswer = { ok: true; status: number; requestId: string | null; banned: boolean; ms: number } | { ok: false; error: string; ms: number };

/** Where to connect to reach the listener: a wildcard listen address is reached on loopback. */
export function listenerTarget(s: EdgeRuntimeSettings): { host: string; port: number } {
  const host = s.listen.host.replace(/^\[(.*)\]$/, "$1");
  if (host === "0.0.0.0" || host === "*") return { host: "127.0.0.1", port: s.listen.port };
  if (host === "::") return { host: "::1", port: s.listen.port };
  return { host, port: s.listen.port };
}

function reason(error: NodeJS.ErrnoException, source: string): string {
  if (error.code === "EADDRNOTAVAIL" || error.code === "EINVAL") return `cannot send from ${source}: ${error.message}`;
  if (error.code === "ECONNREFUSED") return "the edge refused the connection (is it running?)";
  return error.message;
}

/** One GET; never throws. `signal` abandons it (a burst stops at its first 429). */
export function probeRequest(
  s: EdgeRuntimeSettings,
  options: { host: string; path: string; source: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<ProbeAnswer> {
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 10) / 10;
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: ProbeAnswer) => {
      if (settled) return;
      settled = true;
      resolve(a);
    };
    const req = http.get(
      {
        ...listenerTarget(s),
        localAddress: options.source,
        path: options.path,
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
        signal: options.signal,
        headers: { host: options.host, connection: "close", "user-agent": "warden-verify", accept: "*/*" },
      },
      (res) => {
        res.resume();
        const id = res.headers["x-request-id"];
        const banned = res.headers["x-warden-block"] === "ban";
        res.on("end", () => done({ ok: true, status: res.statusCode ?? 0, requestId: typeof id === "string" ? id : null, banned, ms: ms() }));
        res.on("error", (e) => done({ ok: false, error: e.message, ms: ms() }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 5_000} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) => done({ ok: false, error: reason(e, options.source), ms: ms() }));
  });
}
