// bench:edge, part 2: rate limiting and Verify, through the product's path.
//  - rate change → enforced: rate limiting off → switched on at a fixed small limit (10 per second,
//    burst 5, excess refused) through changeAndApply; from the click, a burst of 8 concurrent requests
//    every 20 ms from the cycle's own loopback address until one gets 429 (each cycle its own address,
//    127.0.0.10 and up, so no cycle inherits another's limiter state);
//  - one Verify of one site (benign request, attack, burst; no ban check): the engine's verifier, timed.
import http from "node:http";
import type { Engine } from "../lib/engine/engine";
import type { Db } from "../lib/db";

const { changeAndApply } = await import("../lib/engine/changes");
const { readIntent } = await import("../lib/security/intent-store");

export const RATE = { rate: 10, unit: "second", burst: 5, excess: "reject" } as const;
const BURST = RATE.burst + 3;

function get(port: number, host: string, source: string, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, localAddress: source, path, agent: false, headers: { host } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
  });
}

async function burst(port: number, host: string, source: string): Promise<number[]> {
  return Promise.all(Array.from({ length: BURST }, (_, i) => get(port, host, source, `/rate-bench-${i}`)));
}

export interface RateFigures {
  toEnforced: number[];
  verify: number[];
}

export async function measureRateAndVerify(
  engine: Engine,
  db: Db,
  port: number,
  host: string,
  cycles: number,
  ctx: { actor: string },
  log: (line: string) => void,
): Promise<RateFigures> {
  const setRate = async (on: boolean) => {
    const current = (await readIntent(db)).rate_limit;
    if (current.enabled === on) return current.version;
    await changeAndApply(engine, db, "toggle", { protection: "rate_limit", on, expectedVersion: current.version }, ctx);
    return current.version + 1;
  };
  const first = (await readIntent(db)).rate_limit;
  await changeAndApply(engine, db, "update", { protection: "rate_limit", changes: { ...RATE }, expectedVersion: first.version }, ctx);
  log(
    `rate change → enforced: ${cycles} cycles (off → on at ${RATE.rate} per ${RATE.unit}, burst ${RATE.burst}; ${BURST} concurrent requests every 20 ms until a 429)`,
  );
  const toEnforced: number[] = [];
  for (let i = 0; i < cycles; i++) {
    const source = `127.0.0.${10 + i}`;
    await setRate(false);
    const before = await burst(port, host, source);
    if (before.includes(429)) throw new Error(`rate limiting is off, yet ${source} got 429`);
    const current = (await readIntent(db)).rate_limit;
    const t0 = process.hrtime.bigint();
    const apply = changeAndApply(engine, db, "toggle", { protection: "rate_limit", on: true, expectedVersion: current.version }, ctx);
    apply.catch(() => undefined); // awaited below
    let polls = 0;
    for (;;) {
      polls += 1;
      if ((await burst(port, host, source)).includes(429)) break;
      if (Number(process.hrtime.bigint() - t0) / 1e6 > 15_000) throw new Error("rate limiting was not enforced within 15 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    toEnforced.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await apply;
    log(`  cycle ${String(i + 1).padStart(2)}: first 429 after ${Math.round(toEnforced.at(-1)!)} ms (${polls} bursts)`);
  }
  // Verify one site with the WAF (block) and the rate limit on: the probe's three checks, timed.
  const site = (await db.site.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
  const verify: number[] = [];
  for (let i = 0; i < cycles; i++) {
    // The probes' addresses meet the rate limit too: let it refill between runs (not timed).
    await new Promise((r) => setTimeout(r, 1_000));
    const t0 = process.hrtime.bigint();
    const run = await engine.verifier.run("manual", { actor: "bench", siteIds: [String(site)] });
    verify.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (run.failures.length) throw new Error(`Verify failed: ${run.failures.join(" ")}`);
    if (i === 0) log(`verify: ${cycles} runs of one site; first: WAF ${run.sites[0]!.waf.summary}; rate ${run.sites[0]!.rate.summary}`);
  }
  await setRate(false);
  return { toEnforced, verify };
}
