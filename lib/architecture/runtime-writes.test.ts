import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { scanRuntimeWrites, type SourceFile, type Violation } from "./runtime-writes";

// The fitness test of docs/architecture.md: nothing outside lib/engine changes the runtime. No spawn/exec/fork, no
// process.kill, no file written, linked, renamed, removed or re-permissioned (runtime-writes.ts lists
// the functions and how names are followed), except in lib/engine and in the short allowlist below of
// files that write the panel's own data, each with its reason. An entry that no longer matches a real
// call fails too, so the list cannot outlive its reason.

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURES = join(import.meta.dirname, "__fixtures__");

// What the panel runs: its app, components, library and server, and the scripts beside them (named in
// the allowlist one by one, so that a new script that spawns or writes is a decision, not a default).
// Not scanned: tests, e2e/, test/, bench/ (never loaded by the panel), generated code, and __fixtures__
// directories (test and bench material; the test below checks that nothing scanned imports from one).
const SCANNED = ["app", "components", "lib", "scripts", "server.mjs"];
const SKIPPED_DIRS = new Set(["node_modules", ".next", "__fixtures__"]);
const SKIPPED_PATHS = new Set(["lib/generated"]);
const SOURCE = /\.(ts|tsx|mjs|js)$/;
const TEST = /\.test\.[cm]?[jt]sx?$/;

/** The engine owns the runtime: anything under it may call these functions. */
const ENGINE = "lib/engine/";

/** Files outside the engine that may change files or processes: the panel's own data, and build/test scripts. */
const ALLOWLIST: readonly { file: string; reason: string }[] = [
  { file: "lib/auth/secret.ts", reason: "creates the panel's session-signing secret (<WARDEN_DATA_DIR>/auth-secret, 0600) on first start" },
  { file: "lib/auth/setup-token.ts", reason: "removes the panel's own setup token file once the first admin exists" },
  {
    file: "lib/private-files.ts",
    reason: "creates the panel's data directory and database file and writes its private files (setup token) atomically, 0600/0700",
  },
  // A directory (trailing "/"): matches every file under it. Reserved while it is being written; once it exists it must make such a call.
  { file: "lib/migrations/backup/", reason: "backups and restores of the panel's own database" },
  { file: "scripts/prisma-generate.mjs", reason: "build step (postinstall, db:generate): writes the per-provider Prisma schemas and runs `prisma generate`" },
  { file: "scripts/dmmf-generator.mjs", reason: "build step: the Prisma generator that writes lib/generated's DMMF JSON" },
  { file: "scripts/suites.mjs", reason: "test runner (npm test): spawns each test suite in turn" },
  { file: "scripts/e2e-server.mjs", reason: "end-to-end harness: resets its scratch data directory, spawns the build and the server, stops them" },
];

const allows = (entry: { file: string }, file: string) => (entry.file.endsWith("/") ? file.startsWith(entry.file) : file === entry.file);

function sourceFiles(root: string, path: string, skip: (rel: string) => boolean): SourceFile[] {
  const rel = relative(root, path).split(sep).join("/");
  if (skip(rel)) return [];
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return SOURCE.test(path) && !TEST.test(path) ? [{ file: rel, source: readFileSync(path, "utf8") }] : [];
  return readdirSync(path)
    .filter((entry) => !SKIPPED_DIRS.has(entry))
    .flatMap((entry) => sourceFiles(root, join(path, entry), skip));
}

const show = (v: Violation) => `${v.file}:${v.line} ${v.call} (${v.via})`;
const short = (v: Violation) => `${v.file}:${v.line} ${v.call}`;

describe("runtime writes: the scanner", () => {
  // The fixtures directory is scanned as a repository root of its own (`@/` resolves there).
  const fixtures = sourceFiles(FIXTURES, FIXTURES, () => false);
  const { violations } = scanRuntimeWrites(fixtures);
  const found = (file: string) => violations.filter((v) => v.file === file).map(short);

  it.each([
    ["named-alias.ts", ["named-alias.ts:4 fs.writeFileSync"]],
    ["namespace-import.ts", ["namespace-import.ts:5 fs.symlinkSync"]],
    ["default-import.ts", ["default-import.ts:4 fs.unlinkSync"]],
    ["promises-member.ts", ["promises-member.ts:5 fs/promises.rename", "promises-member.ts:7 fs/promises.writeFile"]],
    ["fs-promises.ts", ["fs-promises.ts:5 fs/promises.unlink"]],
    ["require-destructure.js", ["require-destructure.js:5 child_process.execFileSync"]],
    ["require-member.js", ["require-member.js:3 fs.rmSync", "require-member.js:5 child_process.fork"]],
    [
      "dynamic-import.ts",
      [
        "dynamic-import.ts:3 child_process.spawn",
        "dynamic-import.ts:4 child_process.execFile",
        "dynamic-import.ts:6 fs.renameSync",
        "dynamic-import.ts:7 fs/promises.symlink",
      ],
    ],
    ["process-kill.ts", ["process-kill.ts:3 process.kill", "process-kill.ts:4 process.kill"]],
    ["captured-reference.ts", ["captured-reference.ts:6 fs.rmSync", "captured-reference.ts:7 fs.unlinkSync"]],
    ["lib/util/fsx.ts", ["lib/util/fsx.ts:2 fs.writeFileSync", "lib/util/fsx.ts:3 child_process.*"]],
    ["laundered-call.ts", ["laundered-call.ts:5 fs.writeFileSync", "laundered-call.ts:6 child_process.spawn"]],
    ["star-reexport.ts", ["star-reexport.ts:1 child_process.*"]],
    ["star-consumer.ts", ["star-consumer.ts:4 child_process.exec"]],
    ["lib/engine/files.ts", ["lib/engine/files.ts:4 fs.unlinkSync"]],
    ["engine-laundered.ts", ["engine-laundered.ts:5 fs.unlinkSync"]],
    ["local-reexport-of-import.ts", ["local-reexport-of-import.ts:3 fs.chmodSync", "local-reexport-of-import.ts:4 process.kill"]],
  ])("reports exactly the violations of %s", (file, expected) => {
    expect(found(file)).toEqual(expected);
  });

  it("says how each name was reached", () => {
    const via = (at: string) => violations.find((v) => short(v) === at)?.via;
    expect(via("named-alias.ts:4 fs.writeFileSync")).toBe('import { writeFileSync as put } from "node:fs"');
    expect(via("require-destructure.js:5 child_process.execFileSync")).toBe('require "node:child_process"');
    expect(via("dynamic-import.ts:4 child_process.execFile")).toBe('dynamic import "node:child_process"');
    expect(via("process-kill.ts:4 process.kill")).toBe("globalThis.process");
    expect(via("laundered-call.ts:5 fs.writeFileSync")).toMatch(/^import from "@\/lib\/util\/fsx", which re-exports it .* in lib\/util\/fsx\.ts\)$/);
    expect(via("star-reexport.ts:1 child_process.*")).toMatch(/^re-export/);
  });

  it("reports nothing in a file that only reads (readFileSync, existsSync, statSync, open 'r', kill(pid, 0))", () => {
    expect(fixtures.some((f) => f.file === "clean.ts")).toBe(true);
    expect(found("clean.ts")).toEqual([]);
  });

  it("has a fixture for every violation it reports (no stray finding)", () => {
    const files = new Set(fixtures.map((f) => f.file));
    expect(violations.every((v) => files.has(v.file))).toBe(true);
    expect(violations).toHaveLength(27);
  });
});

describe("runtime writes: the tree", () => {
  const files = SCANNED.flatMap((p) => sourceFiles(ROOT, join(ROOT, p), (rel) => SKIPPED_PATHS.has(rel)));
  const { violations, imports } = scanRuntimeWrites(files);
  const outsideEngine = violations.filter((v) => !v.file.startsWith(ENGINE));

  it("scans the panel's sources and sees the engine's own calls", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.file === "server.mjs")).toBe(true);
    // Proof the scan is not blind on real code: the engine spawns the agent and links scenarios.
    expect(violations.some((v) => v.file.startsWith(ENGINE) && v.call === "child_process.spawn")).toBe(true);
    expect(violations.some((v) => v.file.startsWith(ENGINE) && v.call === "fs.symlinkSync")).toBe(true);
  });

  it("nothing outside lib/engine changes the runtime (except the allowlist)", () => {
    const offenders = outsideEngine.filter((v) => !ALLOWLIST.some((entry) => allows(entry, v.file))).map(show);
    expect(offenders, "move the call into a driver in lib/engine, or (the panel's own data only) allowlist the file with its reason").toEqual([]);
  });

  it("every allowlist entry has a reason and still matches a real call", () => {
    for (const entry of ALLOWLIST) expect(entry.reason.length, entry.file).toBeGreaterThan(20);
    expect(new Set(ALLOWLIST.map((e) => e.file)).size).toBe(ALLOWLIST.length);
    const stale = ALLOWLIST.filter((entry) => {
      if (outsideEngine.some((v) => allows(entry, v.file))) return false;
      // A directory entry may name a directory not written yet (lib/migrations/backup/): reserved until it exists.
      return !(entry.file.endsWith("/") && !existsSync(join(ROOT, entry.file)));
    }).map((e) => e.file);
    expect(stale, "these entries no longer allow any call: remove them").toEqual([]);
  });

  it("nothing scanned imports from a __fixtures__ directory (they are not scanned)", () => {
    expect(imports.filter((i) => /(^|\/)__fixtures__\//.test(i.resolved ?? i.specifier)).map((i) => `${i.file}:${i.line} ${i.specifier}`)).toEqual([]);
  });
});
