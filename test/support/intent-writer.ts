// A separate process that changes security intent through lib/security, as the panel or the CLI
// would. Used by the multi-process concurrency test and the SIGKILL crash test:
//
//   node --conditions=react-server --import tsx test/support/intent-writer.ts '{"url":"file:/tmp/x.db","changes":10,"worker":"w1"}'
//
// Options (one JSON argument): url; changes (a number, or null to run until killed); worker (the
// actor name); waitForGo (wait for a "go" line on stdin before the first change, so several
// processes start at once); protection ("random" or one protection).
//
// Protocol on stdout, one JSON object per line with a "writer" field (pino logs may interleave):
//   {"writer":"ready"}                       connected, waiting for "go" (if waitForGo)
//   {"writer":"committing"}                  the change loop has started
//   {"writer":"committed","version":N,"protection":"waf","attempts":1,"ms":1.2,"at":<epoch ms>}
//   {"writer":"done","committed":10,"conflicts":3}
// Each change reads the protection's current version, then commits; a ConflictError (another
// writer got there first) is retried with the fresh version until the change commits.
import { createInterface } from "node:readline";
import { createDb } from "../../lib/db";
import { ConflictError } from "../../lib/errors";
import { PROTECTIONS, SECURITY_SPEC, type Protection } from "../../lib/security/spec/protections";
import { readIntent, toggleProtection, updateProtection } from "../../lib/security/intent-store";
import type { SecurityIntent } from "../../lib/security/intent";

interface Options {
  url: string;
  changes: number | null;
  worker: string;
  waitForGo?: boolean;
  protection?: "random" | Protection;
}

const options = JSON.parse(process.argv[2] ?? "{}") as Options;
if (!options.url) {
  console.error("intent-writer: missing url");
  process.exit(2);
}

const emit = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ writer: event, ...fields })}\n`);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** Every setting of a protection without cross-field rules, each a random value within its spec. */
function randomSettings(protection: "waf" | "rate_limit"): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(SECURITY_SPEC[protection].fields).map(([name, field]) => [
      name,
      field.kind === "integer" ? between(field.min, field.max) : pick(field.options),
    ]),
  );
}

/** A random valid change of one protection, applied against the version the caller just read. */
function randomChange(protection: Protection): (intent: SecurityIntent, ctx: { actor: string }, db: ReturnType<typeof createDb>) => Promise<unknown> {
  if (Math.random() < 0.5) {
    return (intent, ctx, db) => toggleProtection(db, { protection, on: !intent[protection].enabled, expectedVersion: intent[protection].version }, ctx);
  }
  const changes =
    protection === "crowdsec"
      ? pick([
          { mode: "local", lapiUrl: null },
          { mode: "external", lapiUrl: `http://lapi-${between(1, 99)}.example:8080` },
        ])
      : randomSettings(protection);
  return (intent, ctx, db) => updateProtection(db, { protection, changes, expectedVersion: intent[protection].version }, ctx);
}

async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === "go") break;
  lines.close();
}

async function main(): Promise<void> {
  const db = createDb(options.url);
  await readIntent(db); // connect (and warm up) before the start signal
  emit("ready", { at: Date.now() });
  if (options.waitForGo) await waitForGo();
  emit("committing", { at: Date.now() });
  const ctx = { actor: options.worker };
  let committed = 0;
  let conflicts = 0;
  while (options.changes === null || committed < options.changes) {
    const protection = !options.protection || options.protection === "random" ? pick(PROTECTIONS) : options.protection;
    const change = randomChange(protection);
    const started = performance.now();
    for (let attempts = 1; ; attempts++) {
      const intent = await readIntent(db);
      try {
        const result = (await change(intent, ctx, db)) as { configVersion: number };
        committed++;
        emit("committed", { version: result.configVersion, protection, attempts, ms: performance.now() - started, at: Date.now() });
        break;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        conflicts++;
      }
    }
  }
  emit("done", { committed, conflicts, at: Date.now() });
  await db.$disconnect();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`intent-writer ${options.worker} failed:`, error);
    process.exit(1);
  },
);
