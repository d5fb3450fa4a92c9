// One concurrent writer of `npm run bench:toggle` (started by bench/toggle.ts, one process each).
//
//   node --conditions=react-server --import tsx bench/toggle-worker.ts '{"url":"…","warmup":20,"commits":250,"worker":"w1"}'
//
// Warms up, prints {"bench":"ready"}, waits for "go" on stdin, then commits `commits` toggles, each
// of a random protection: read the protection's current version, toggle it; when another writer
// changed it in between (ConflictError) re-read and retry. The latency of a change is measured from
// its first read to its commit, retries included. At the end it prints
// {"bench":"result","latencies":[ms…],"conflicts":N,"startedAt":…,"endedAt":…} (epoch ms).
import { createInterface } from "node:readline";
import { createDb } from "../lib/db";
import { ConflictError } from "../lib/errors";
import { PROTECTIONS } from "../lib/security/spec/protections";
import { readIntent, toggleProtection } from "../lib/security/intent-store";

interface Options {
  url: string;
  warmup: number;
  commits: number;
  worker: string;
}

const options = JSON.parse(process.argv[2] ?? "{}") as Options;
const emit = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ bench: event, ...fields })}\n`);

async function main(): Promise<void> {
  const db = createDb(options.url);
  const ctx = { actor: `bench-${options.worker}` };
  let conflicts = 0;

  /** One change: read the fresh version of a random protection, toggle it; on conflict re-read and retry. */
  const change = async (): Promise<void> => {
    const protection = PROTECTIONS[Math.floor(Math.random() * PROTECTIONS.length)]!;
    for (;;) {
      const seen = (await readIntent(db))[protection];
      try {
        await toggleProtection(db, { protection, on: !seen.enabled, expectedVersion: seen.version }, ctx);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        conflicts++;
      }
    }
  };

  for (let i = 0; i < options.warmup; i++) await change();
  conflicts = 0;
  emit("ready");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === "go") break;
  lines.close();

  const latencies: number[] = [];
  const startedAt = Date.now();
  for (let i = 0; i < options.commits; i++) {
    const t0 = performance.now();
    await change();
    latencies.push(performance.now() - t0);
  }
  const endedAt = Date.now();
  emit("result", { latencies, conflicts, startedAt, endedAt });
  await db.$disconnect();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench worker ${options.worker} failed:`, error);
    process.exit(1);
  },
);
