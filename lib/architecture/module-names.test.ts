import { readdirSync, statSync } from "node:fs";
import { basename, join, sep } from "node:path";
import { describe, expect, it } from "vitest";

// Modules are named for what they hold (docs/architecture.md): no two source modules share a name in
// different folders, so a name found in an import, a log line or a stack trace says which module it
// is. The exceptions are the short list below, each with its reason: the file names Next.js gives
// meaning to, a folder's barrel, and the same concept in parallel drivers or adapters. An entry
// that no longer matches two modules fails too, so the list cannot outlive its reason.

const ROOT = join(import.meta.dirname, "..", "..");
// What the panel runs (the scope of the other fitness tests here). Tests, fixtures and generated
// code are not modules of the panel.
const SCANNED = ["app", "components", "lib", "scripts", "server.mjs", "instrumentation.ts"];
const SKIPPED_DIRS = new Set(["node_modules", ".next", "__fixtures__"]);
const SKIPPED_PATHS = new Set(["lib/generated"]);
const SOURCE = /\.(ts|tsx|mts|mjs|js|cjs)$/;
const TEST = /\.(test|spec)\.[cm]?[jt]sx?$/;

/** Names several modules may share: every module of that name must sit where `where` says. */
const SHARED: readonly { name: string; where: RegExp; reason: string }[] = [
  { name: "page", where: /^app\/(.+\/)?page\.tsx$/, reason: "Next.js convention: the page of the route its folder names" },
  { name: "layout", where: /^app\/(.+\/)?layout\.tsx$/, reason: "Next.js convention: the layout of the route segment its folder names" },
  { name: "route", where: /^app\/(.+\/)?route\.ts$/, reason: "Next.js convention: the handler of the API route its folder names" },
  {
    name: "actions",
    where: /^app\/.+\/actions\.ts$/,
    reason: "a route's server actions beside its page: one-line re-exports of the use cases in lib/actions",
  },
  {
    name: "index",
    where: /^lib\/(actions\/[^/]+|security\/spec)\/index\.ts$/,
    reason: "a folder's barrel: one area's use cases (lib/actions/<area>/index.ts), the field spec's public face (lib/security/spec/index.ts)",
  },
  {
    name: "driver",
    where: /^lib\/engine\/[^/]+\/driver\.ts$/,
    reason: "parallel drivers: the protection driver of each runtime (lib/engine/<runtime>/driver.ts)",
  },
  {
    name: "settings",
    where: /^lib\/engine\/[^/]+\/settings\.ts$/,
    reason: "parallel drivers: each runtime's settings, read from the environment (lib/engine/<runtime>/settings.ts)",
  },
  {
    name: "reset-password",
    where: /^lib\/(auth|cli\/commands)\/reset-password\.ts$/,
    reason: "one operation and its CLI command: lib/auth resets the password, the command reads it from stdin and calls it",
  },
  {
    name: "verify",
    where: /^lib\/(actions\/security|cli\/commands)\/verify\.ts$/,
    reason: "one use case and its CLI command: the Verify button's action and `npm run cli -- verify`, both running the engine's verifier",
  },
];

function sources(rel: string): string[] {
  if (SKIPPED_PATHS.has(rel)) return [];
  const stat = statSync(join(ROOT, rel), { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return SOURCE.test(rel) && !TEST.test(rel) ? [rel] : [];
  return readdirSync(join(ROOT, rel))
    .filter((entry) => !SKIPPED_DIRS.has(entry))
    .flatMap((entry) => sources(join(rel, entry).split(sep).join("/")));
}

/** A module's name: its file name without the extension (`store.ts` and `store.tsx` are one name). */
const moduleName = (file: string) => basename(file).replace(/\.[^.]+$/, "");

const FILES = SCANNED.flatMap(sources);
const BY_NAME = new Map<string, string[]>();
for (const file of FILES) BY_NAME.set(moduleName(file), [...(BY_NAME.get(moduleName(file)) ?? []), file]);

describe("module names", () => {
  it("scans the panel's sources", () => {
    expect(FILES.length).toBeGreaterThan(150);
    expect(FILES).toContain("lib/engine/engine.ts");
    expect(FILES).toContain("server.mjs");
    expect(FILES.some((f) => f.includes("__fixtures__") || f.startsWith("lib/generated/") || TEST.test(f))).toBe(false);
  });

  it("no two source modules share a name, except the named conventions", () => {
    const clashes: string[] = [];
    for (const [name, files] of BY_NAME) {
      if (files.length < 2) continue;
      const entry = SHARED.find((e) => e.name === name);
      const outside = entry ? files.filter((f) => !entry.where.test(f)) : files;
      if (outside.length > 0) clashes.push(`${name}: ${files.sort().join(", ")}`);
    }
    expect(clashes, "name each module for what it holds (or, for parallel drivers, add an entry with its reason)").toEqual([]);
  });

  it("every entry has a reason and still names a shared module", () => {
    for (const entry of SHARED) expect(entry.reason.length, entry.name).toBeGreaterThan(20);
    expect(new Set(SHARED.map((e) => e.name)).size).toBe(SHARED.length);
    const stale = SHARED.filter((e) => (BY_NAME.get(e.name) ?? []).filter((f) => e.where.test(f)).length < 2).map((e) => e.name);
    expect(stale, "these names are no longer shared: remove their entries").toEqual([]);
  });
});
