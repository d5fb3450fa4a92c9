import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { localLapiUrl, type CrowdsecRuntimeSettings } from "./settings";
import { formatDuration } from "./timing";

// Probing the Local API (node:http, never a spawned cscli).

export interface LapiProbe {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export function healthUrl(base: string): string {
  return `${base.replace(/\/+$/, "")}/health`;
}

// Keep-alive sockets: a probe on a warm socket costs ~0.3 ms instead of ~0.7 ms (p95 0.5 vs 3.8 ms,
// measured against the agent's LAPI), which keeps observe() cheap for a polling status page. Idle
// sockets are unref'd by node, so they never keep a process alive.
const probeAgents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 4, timeout: 30_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 4, timeout: 30_000 }),
};

export function probeLapi(target: CrowdsecRuntimeSettings | string, timeoutMs = 1000): Promise<LapiProbe> {
  const url = healthUrl(typeof target === "string" ? target : localLapiUrl(target));
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, latencyMs: 0, error: `invalid URL ${url}` });
  }
  const once = (): Promise<LapiProbe & { staleSocket?: boolean }> =>
    new Promise((resolve) => {
      let settled = false;
      const done = (r: LapiProbe & { staleSocket?: boolean }) => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      const https_ = parsed.protocol === "https:";
      const client = https_ ? https : http;
      const req = client.get(
        parsed,
        { agent: https_ ? probeAgents.https : probeAgents.http, timeout: timeoutMs, headers: { "user-agent": "warden-probe" } },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          res.on("end", () =>
            done(status === 200 ? { ok: true, latencyMs: elapsed() } : { ok: false, latencyMs: elapsed(), error: `HTTP ${status} from ${url}` }),
          );
          res.on("error", (e) => done({ ok: false, latencyMs: elapsed(), error: e.message }));
        },
      );
      req.on("timeout", () => {
        req.destroy();
        done({ ok: false, latencyMs: elapsed(), error: `no answer from ${url} within ${formatDuration(timeoutMs)}` });
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        // A kept-alive socket the server had closed: not an answer from the server, retry once.
        const staleSocket = req.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE");
        const why =
          e.code === "ECONNREFUSED"
            ? `connection refused by ${parsed.host}`
            : e.code === "ENOTFOUND" || e.code === "EAI_AGAIN"
              ? `host ${parsed.hostname} not found`
              : e.message;
        done({ ok: false, latencyMs: elapsed(), error: why, staleSocket });
      });
    });
  return once()
    .then((r) => (r.staleSocket ? once() : r))
    .then(({ staleSocket: _, ...r }) => r);
}
