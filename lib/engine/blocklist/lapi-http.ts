import "server-only";
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";

// One JSON request to a CrowdSec Local API (node:http, never a spawned cscli). Every request names
// Warden in its User-Agent: LAPI logs a warning for each request without one.

export const LAPI_USER_AGENT = "warden-blocklist/0.1.0";

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 8, timeout: 30_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 8, timeout: 30_000 }),
};

export interface LapiRequest {
  method: "GET" | "POST" | "DELETE";
  /** Path and query, e.g. "/v1/decisions/stream?startup=true". */
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export type LapiResponse = { ok: true; status: number; json: unknown; ms: number } | { ok: false; status: number | null; error: string; ms: number };

/** Why LAPI could not answer, in one phrase (never the credentials). */
function networkError(e: NodeJS.ErrnoException, url: URL): string {
  if (e.code === "ECONNREFUSED") return `connection refused by ${url.host}`;
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return `host ${url.hostname} not found`;
  if (e.code === "ECONNRESET") return `${url.host} closed the connection`;
  return e.message;
}

function once(base: string, r: LapiRequest): Promise<LapiResponse & { staleSocket?: boolean }> {
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 10) / 10;
  let url: URL;
  try {
    url = new URL(r.path, base.endsWith("/") ? base : `${base}/`);
  } catch {
    return Promise.resolve({ ok: false, status: null, error: `invalid LAPI URL ${base}`, ms: 0 });
  }
  const secure = url.protocol === "https:";
  const body = r.body === undefined ? undefined : JSON.stringify(r.body);
  const timeoutMs = r.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: LapiResponse & { staleSocket?: boolean }) => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    const req = (secure ? https : http).request(
      url,
      {
        method: r.method,
        agent: secure ? agents.https : agents.http,
        timeout: timeoutMs,
        headers: {
          "user-agent": LAPI_USER_AGENT,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }),
          ...r.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => done({ ok: false, status: res.statusCode ?? null, error: e.message, ms: ms() }));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown = null;
          try {
            json = text.trim() === "" ? null : JSON.parse(text);
          } catch {
            if (status >= 200 && status < 300) return done({ ok: false, status, error: `LAPI answered ${status} with a body that is not JSON`, ms: ms() });
          }
          if (status >= 200 && status < 300) return done({ ok: true, status, json, ms: ms() });
          const message =
            json && typeof json === "object" && "message" in json ? String((json as { message: unknown }).message).slice(0, 200) : text.slice(0, 200);
          done({ ok: false, status, error: `LAPI answered HTTP ${status}${message ? `: ${message}` : ""}`, ms: ms() });
        });
      },
    );
    req.on("timeout", () => {
      req.destroy();
      done({ ok: false, status: null, error: `no answer from ${url.host} within ${timeoutMs} ms`, ms: ms() });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      const staleSocket = req.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE");
      done({ ok: false, status: null, error: networkError(e, url), ms: ms(), staleSocket });
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** One request; a kept-alive socket the server had closed (LAPI restarted) is retried once. */
export async function lapiRequest(base: string, r: LapiRequest): Promise<LapiResponse> {
  const first = await once(base, r);
  const result = first.staleSocket ? await once(base, r) : first;
  const { staleSocket: _, ...out } = result as LapiResponse & { staleSocket?: boolean };
  return out;
}
