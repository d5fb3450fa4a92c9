import "server-only";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { GENERATION_PATH } from "./render-nginx";
import type { EdgeRuntimeSettings } from "./settings";

// The edge's control listener: a loopback-only server block that answers the generation and hash of
// the configuration its worker loaded. Each probe is a new connection (`Connection: close`, no
// agent): a kept-alive connection would stay with an old worker after a reload and answer the old
// generation. That answer is the authority for "the new configuration is live": worker pids and the
// error log's lines come 2–100 ms earlier than new connections get the new configuration.

export interface Served {
  generation: number;
  hash: string;
}

export type ControlProbe = ({ ok: true } & Served & { latencyMs: number }) | { ok: false; error: string; latencyMs: number };

type ControlGet = { ok: true; body: string; latencyMs: number } | { ok: false; error: string; latencyMs: number };

/** One GET on the control listener (a new connection each time); never throws. */
export function controlGet(s: EdgeRuntimeSettings, path: string, timeoutMs = 1_000): Promise<ControlGet> {
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  const host = s.control.host.replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ControlGet) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = http.get(
      { host, port: s.control.port, path, agent: false, timeout: timeoutMs, headers: { connection: "close", "user-agent": "warden-edge-control" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on("end", () =>
          res.statusCode === 200
            ? done({ ok: true, body, latencyMs: elapsed() })
            : done({ ok: false, error: `HTTP ${res.statusCode} from the control listener`, latencyMs: elapsed() }),
        );
        res.on("error", (e) => done({ ok: false, error: e.message, latencyMs: elapsed() }));
      },
    );
    req.on("timeout", () => {
      req.destroy();
      done({ ok: false, error: `no answer from the control listener within ${timeoutMs} ms`, latencyMs: elapsed() });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      done({ ok: false, error: e.code === "ECONNREFUSED" ? `connection refused on ${s.control.host}:${s.control.port}` : e.message, latencyMs: elapsed() });
    });
  });
}

/** One GET of the generation; never throws. */
export async function probeControl(s: EdgeRuntimeSettings, timeoutMs = 1_000): Promise<ControlProbe> {
  const r = await controlGet(s, GENERATION_PATH, timeoutMs);
  if (!r.ok) return r;
  try {
    const parsed = JSON.parse(r.body) as Partial<Served>;
    if (Number.isSafeInteger(parsed.generation) && typeof parsed.hash === "string" && /^[0-9a-f]{64}$/.test(parsed.hash)) {
      return { ok: true, generation: parsed.generation!, hash: parsed.hash, latencyMs: r.latencyMs };
    }
  } catch {
    /* below */
  }
  return {
    ok: false,
    error: `the control listener answered something that is not a generation: ${JSON.stringify(r.body.slice(0, 120))}`,
    latencyMs: r.latencyMs,
  };
}

export interface WaitOptions {
  timeoutMs: number;
  /** Checked between probes: a reason to stop waiting (the master exited, an [emerg] was logged). */
  abortReason?: () => string | null;
  pollMs?: number;
}

export type WaitResult = { ok: true; ms: number } | { ok: false; ms: number; reason: string; last: ControlProbe | null };

/** Polls until the control listener answers `want`; bounded by timeoutMs. */
export async function waitForGeneration(s: EdgeRuntimeSettings, want: Served, options: WaitOptions): Promise<WaitResult> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  let last: ControlProbe | null = null;
  for (;;) {
    const abort = options.abortReason?.() ?? null;
    if (abort !== null) return { ok: false, ms: since(), reason: abort, last };
    const left = options.timeoutMs - since();
    if (left <= 0) {
      const seen = last === null ? "" : last.ok ? ` (it still serves generation ${last.generation})` : ` (last probe: ${last.error})`;
      return { ok: false, ms: since(), reason: `the edge did not serve generation ${want.generation} within ${options.timeoutMs} ms${seen}`, last };
    }
    last = await probeControl(s, Math.max(50, Math.min(1_000, left)));
    if (last.ok && last.generation === want.generation && last.hash === want.hash) return { ok: true, ms: since() };
    await new Promise((r) => setTimeout(r, options.pollMs ?? 10));
  }
}
