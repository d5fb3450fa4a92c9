import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

// Comments and test names explain why in the code's own terms. A pointer to a planning document (an
// issue number, the project's working notes outside this repository, the post-mortems it started
// from) means nothing to a reader of this repository and rots when the document moves; a decision
// that needs its story gets an ADR in docs/decisions, and the code links that. This test fails on
// such pointers in every source, test, script and benchmark file.

const ROOT = join(import.meta.dirname, "..", "..");
const SCANNED = [
  "app",
  "components",
  "lib",
  "e2e",
  "test",
  "bench",
  "scripts",
  "prisma/schema.base.prisma",
  "server.mjs",
  "instrumentation.ts",
  "eslint.config.mjs",
  "next.config.js",
  "playwright.config.ts",
  "postcss.config.mjs",
  "vitest.config.ts",
  "vitest.agent.config.ts",
];
const SKIPPED = new Set(["node_modules", ".next", "lib/generated", "lib/architecture/planning-references.test.ts"]);
const SOURCE = /\.(ts|tsx|mjs|cjs|js|sh|prisma)$/;

/** What a planning reference looks like, each with the name a failure shows. */
const PATTERNS: readonly { name: string; pattern: RegExp; commentOnly?: boolean }[] = [
  { name: "an issue number", pattern: /\bissues?\s*#?\d+/i },
  { name: "an issue number", pattern: /(?:^|[\s(])#\d+\b/, commentOnly: true },
  { name: "the working notes outside the repository", pattern: /\.\.\/shared\b|\bshared\/|\bnotes\/[\w-]+\.md\b/ },
  { name: "a planning document", pattern: /\bDECISIONS\b|\bARCHITECTURE\b|\bSTYLE\.md\b|\bUI\.md\b/ },
  { name: "the mission", pattern: /\bmission\b/i },
  { name: "the post-mortems", pattern: /\bpost-?mortems?\b|\bargos-edge\b/i },
  { name: "the post-mortems ('seed')", pattern: /\bseeds?\b|\bseed's\b/i },
];

/**
 * Where "seed" is this repository's own word: rows a test puts into a database, not the post-mortems.
 * `phrase`: only occurrences on lines matching it are allowed (none: the whole file). Each entry must
 * still match something, so it cannot outlive its reason.
 */
const SEED_MEANS_TEST_DATA: readonly { file: string; phrase?: RegExp; means: string }[] = [
  { file: "test/upgrade/", means: "the seed file of each migration: realistic rows for what it introduced" },
  { file: "test/upgrade.test.ts", means: "the seed file of each migration" },
  { file: "bench/migrate.ts", phrase: /its seed rows/, means: "the seed files of test/upgrade/" },
  { file: "lib/migrations/migrator.test.ts", phrase: /\bseed\(url/, means: "a helper that inserts rows before a migration" },
  { file: "lib/auth/setup-token.ts", phrase: /tests seed rows/, means: "tests insert setup-token rows" },
  { file: "components/migrations/schema-pill.tsx", phrase: /seeds the query/, means: "the first data of a TanStack query" },
  { file: "components/security/security-view.tsx", phrase: /Seeds the one drift query/, means: "the first data of a TanStack query" },
  { file: "bench/auth.ts", phrase: /Seeds a user/, means: "inserts the benchmark's user" },
  { file: "e2e/seed.setup.ts", means: "the Playwright setup project that creates each server's admin" },
  { file: "e2e/fixtures.ts", phrase: /e2e\/seed\.setup\.ts/, means: "that setup project" },
  { file: "playwright.config.ts", means: "that setup project (seed-admin, seed-not-installed)" },
];

interface Finding {
  file: string;
  line: number;
  what: string;
  text: string;
}

const commentOf = (line: string): string | null => {
  const trimmed = line.trimStart();
  if (/^(\/\/|\/\*|\*|#)/.test(trimmed)) return trimmed;
  const at = line.indexOf("//");
  return at >= 0 ? line.slice(at) : null;
};

const seedAllowance = (file: string, line: string) =>
  SEED_MEANS_TEST_DATA.find((e) => (e.file.endsWith("/") ? file.startsWith(e.file) : file === e.file) && (!e.phrase || e.phrase.test(line)));

/** The planning references in one file's text. */
export function scanPlanningReferences(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  source.split("\n").forEach((text, i) => {
    const what = new Set<string>();
    for (const { name, pattern, commentOnly } of PATTERNS) {
      const haystack = commentOnly ? commentOf(text) : text;
      if (haystack === null || !pattern.test(haystack)) continue;
      if (name.includes("'seed'") && seedAllowance(file, text)) continue;
      what.add(name);
    }
    if (what.size) findings.push({ file, line: i + 1, what: [...what].join(", "), text: text.trim() });
  });
  return findings;
}

function files(path: string): string[] {
  const rel = relative(ROOT, path).split(sep).join("/");
  if (SKIPPED.has(rel) || rel.split("/").some((part) => SKIPPED.has(part))) return [];
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return SOURCE.test(rel) ? [rel] : [];
  return readdirSync(path).flatMap((entry) => files(join(path, entry)));
}

describe("planning references: the scanner", () => {
  it.each([
    ["// Broken states of a real database (issue #4).", "an issue number"],
    ["// what an admin relies on in issue 5", "an issue number"],
    ["// fixed in #12", "an issue number"],
    ["// as shared/notes/crowdsec-offline.md describes", "the working notes outside the repository"],
    ["// see ../shared/STYLE.md", "the working notes outside the repository"],
    ["// SQLite table rebuilds (notes/stack.md)", "the working notes outside the repository"],
    ["// the invariants of DECISIONS (mirror == config)", "a planning document"],
    ['// ARCHITECTURE "One write path"', "a planning document"],
    ["// part of the mission", "the mission"],
    ["// argos-edge's useDrift polled every 10 s", "the post-mortems"],
    ['it("the seed\'s case: a missing table is pending")', "the post-mortems ('seed')"],
    ["// The five cases of the toggle-fix seed", "the post-mortems ('seed')"],
  ])("flags %s", (line, what) => {
    expect(
      scanPlanningReferences("lib/x.test.ts", line)
        .map((f) => f.what.split(", "))
        .flat(),
    ).toContain(what);
  });

  it.each([
    '<div className="text-[#123456]">',
    "// see docs/decisions/004 for why",
    "// permissions, submissions and admissions",
    "const version = list[#private]",
    'await expect(page).toHaveURL("/security#overview")',
  ])("leaves alone %s", (line) => {
    expect(scanPlanningReferences("lib/x.ts", line)).toEqual([]);
  });

  it("allows 'seed' only where it means test data, and only in the named phrase", () => {
    expect(scanPlanningReferences("bench/migrate.ts", "// every released migration with its seed rows")).toEqual([]);
    expect(scanPlanningReferences("bench/migrate.ts", "// the seed's stuck toggle")).toHaveLength(1);
    expect(scanPlanningReferences("test/upgrade/seeds/x.ts", 'import { type Seed } from "../seed";')).toEqual([]);
    expect(scanPlanningReferences("test/other.test.ts", "// each followed by its seed")).toHaveLength(1);
  });
});

describe("planning references in the repository", () => {
  const scanned = SCANNED.flatMap((entry) => files(join(ROOT, entry)));
  const sources = scanned.map((file) => ({ file, source: readFileSync(join(ROOT, file), "utf8") }));

  it("scans the sources, tests, scripts and benchmarks", () => {
    expect(scanned.length).toBeGreaterThan(200);
    for (const sample of ["server.mjs", "lib/env.ts", "e2e/drift.spec.ts", "test/crash.test.ts", "bench/engine.ts", "prisma/schema.base.prisma"])
      expect(scanned).toContain(sample);
  });

  it("no code, test or script points at a planning document (link an ADR in docs/decisions instead)", () => {
    const findings = sources.flatMap(({ file, source }) => scanPlanningReferences(file, source));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.what}: ${f.text}`)).toEqual([]);
  });

  it.each(SEED_MEANS_TEST_DATA.map((e) => [e.file, e]))("the 'seed' allowance for %s still matches a line", (_, entry) => {
    const matched = sources.some(
      ({ file, source }) =>
        (entry.file.endsWith("/") ? file.startsWith(entry.file) : file === entry.file) &&
        source.split("\n").some((line) => /\bseeds?\b|\bseed's\b/i.test(line) && (!entry.phrase || entry.phrase.test(line))),
    );
    expect(matched, `${entry.file} (${entry.means}) no longer says "seed": remove its entry`).toBe(true);
  });
});
