import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ADVISORY_LOCKS, advisoryLockSql } from "./advisory-locks";

// One registry of advisory-lock keys: two features that chose the same key block each other (setup
// once waited forever behind the elected replica's lock).

const ROOT = join(import.meta.dirname, "..");
const SCANNED = ["lib", "app", "components", "scripts", "bench", "test", "e2e", "instrumentation.ts", "instrumentation-node.ts", "server.mjs"];
const SKIPPED_DIRS = new Set(["node_modules", "generated", ".next"]);
const REGISTRY = join("lib", "advisory-locks.ts");

function sourceFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (stat.isFile()) return /\.(ts|tsx|mjs|js|cjs)$/.test(path) ? [path] : [];
  return readdirSync(path).flatMap((entry) => (SKIPPED_DIRS.has(entry) ? [] : sourceFiles(join(path, entry))));
}

describe("advisory-lock registry", () => {
  it("gives every lock its own key", () => {
    const keys = Object.values(ADVISORY_LOCKS);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(Number.isSafeInteger(key)).toBe(true);
  });

  it("builds the SQL from the registry's key", () => {
    expect(advisoryLockSql.xactLock("firstAdmin")).toBe(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.firstAdmin})`);
    expect(advisoryLockSql.tryLock("leader")).toBe(`SELECT pg_try_advisory_lock(${ADVISORY_LOCKS.leader}) AS ok`);
  });

  it("no code outside the registry calls a pg_*advisory* function", () => {
    const files = SCANNED.flatMap((p) => sourceFiles(join(ROOT, p)));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .filter((file) => relative(ROOT, file) !== REGISTRY && !file.endsWith("advisory-locks.test.ts"))
      .flatMap((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          .map((line, i) => ({ line, at: `${relative(ROOT, file)}:${i + 1}` }))
          .filter(({ line }) => /pg_\w*advisory\w*\s*\(/i.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(offenders, "take advisory-lock SQL from lib/advisory-locks.ts").toEqual([]);
  });
});
