// The client side of `npm run bench:decisions` (bench/decisions.ts): one request through the edge from
// a chosen loopback source on a fresh connection (what a banned visitor's next connection gets), the
// poll until an answer holds three times in a row, and cscli run against the bench's instance.
import { execFile } from "node:child_process";
import http from "node:http";

/** The benchmarks' reserved loopback address: the one the bench bans. */
export const BANNED = "127.0.0.2";

export interface Answer {
  status: number;
  /** The edge's ban mark (X-Warden-Block: ban). */
  ban: boolean;
  /** process.hrtime (ns) when the answer was read. */
  at: bigint;
}

/** One GET on its own connection from `source`; throws on a connection error. */
export function getFrom(port: number, host: string, source: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: "/", localAddress: source, agent: false, headers: { host, connection: "close", "user-agent": "warden-bench" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ban: res.headers["x-warden-block"] === "ban", at: process.hrtime.bigint() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer on :${port} from ${source} within 5 s`)));
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Want = "ban" | "pass";
const accepts = (want: Want, a: Answer) => (want === "ban" ? a.status === 403 && a.ban : a.status === 200 && !a.ban);

export interface Settled {
  /** hrtime (ns) of the first answer of the three in a row. */
  first: bigint;
  polls: number;
  /** Answers that matched and were followed by one that did not (a previous worker answering during a reload). */
  flaps: number;
}

/**
 * Polls from `source` every `everyMs` (a fresh connection each time) until `want` holds for three
 * answers in a row; the time is that of the first of them. A 403 without the ban mark fails the bench:
 * the edge refused for some other reason. A connection error (a reload) is retried at once.
 */
export async function untilSettled(port: number, host: string, source: string, want: Want, opts: { everyMs: number; timeoutMs: number }): Promise<Settled> {
  const deadline = performance.now() + opts.timeoutMs;
  let first: bigint | null = null;
  let streak = 0;
  let polls = 0;
  let flaps = 0;
  let last = "nothing yet";
  while (performance.now() < deadline) {
    const started = performance.now();
    polls++;
    let a: Answer;
    try {
      a = await getFrom(port, host, source);
    } catch (error) {
      last = (error as Error).message;
      continue;
    }
    if (a.status === 403 && !a.ban) throw new Error(`${source} got a 403 that is not a ban (the WAF or the host check refused it)`);
    if (accepts(want, a)) {
      first ??= a.at;
      if (++streak >= 3) return { first, polls, flaps };
    } else {
      if (streak > 0) flaps++;
      first = null;
      streak = 0;
      last = `HTTP ${a.status}${a.ban ? " (ban)" : ""}`;
    }
    await pause(Math.max(0, opts.everyMs - (performance.now() - started)));
  }
  throw new Error(`${source} did not get ${want === "ban" ? "403 (ban)" : "200"} three times in a row within ${opts.timeoutMs} ms (last: ${last})`);
}

/** cscli against one instance's config, asynchronously (the engine's loop keeps running meanwhile). */
export function cscli(bin: string, config: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, ["-c", config, ...args, "--error"], { timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cscli ${args.join(" ")} failed: ${`${stderr}\n${stdout}`.trim().split("\n").slice(-3).join(" | ") || error.message}`));
      else resolve(stdout);
    });
  });
}
