import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { scanServerBoundary, type SourceFile } from "./server-boundary";

// The fitness test of the server boundary: every lib module that touches the database, the file
// system or processes imports "server-only" (server-boundary.ts says how that is decided), so that
// `next build` fails when a client component imports one; and no client component's bundle contains
// such a module today. Tests and the CLI run lib code with the `react-server` export condition, under
// which the "server-only" package is an empty module (vitest aliases it to one).

const ROOT = join(import.meta.dirname, "..", "..");
const SCANNED = ["app", "components", "lib", "instrumentation.ts", "instrumentation-node.ts", "proxy.ts", "middleware.ts"];
const SKIPPED_DIRS = new Set(["node_modules", ".next", "__fixtures__", "generated"]);
const SOURCE = /\.(ts|tsx|mjs|js)$/;
const TEST = /\.test\.[cm]?[jt]sx?$/;

/** lib modules that touch the file system but cannot import "server-only", each with its reason. */
const EXEMPT: readonly { file: string; reason: string }[] = [
  {
    file: "lib/server/",
    reason:
      "plain JS of the custom server (server.mjs), which Node loads without the react-server condition (React must resolve to its SSR build there), where server-only throws",
  },
];
const covers = (entry: { file: string }, file: string) => (entry.file.endsWith("/") ? file.startsWith(entry.file) : file === entry.file);
const exempt = (file: string) => EXEMPT.some((entry) => covers(entry, file));

function sourceFiles(path: string): SourceFile[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile())
    return SOURCE.test(path) && !TEST.test(path) ? [{ file: relative(ROOT, path).split(sep).join("/"), source: readFileSync(path, "utf8") }] : [];
  return readdirSync(path)
    .filter((entry) => !SKIPPED_DIRS.has(entry))
    .flatMap((entry) => sourceFiles(join(path, entry)));
}

const file = (path: string, ...lines: string[]): SourceFile => ({ file: path, source: lines.join("\n") });

describe("server boundary: the scanner", () => {
  const db = file("lib/db.ts", 'import "server-only";', 'import pg from "pg";', "export type Db = pg.Client;", "export const db = () => new pg.Client();");
  const fsUser = file("lib/files.ts", 'import { readFileSync } from "node:fs";', "export const read = (p: string) => readFileSync(p, 'utf8');");
  const marked = file("lib/marked.ts", 'import "server-only";', 'import { read } from "./files";', "export const x = read;");
  const pure = file("lib/pure.ts", "export type Row = { id: number };", "export const label = (s: string) => s.toUpperCase();");
  const action = file(
    "lib/actions/toggle.ts",
    '"use server";',
    "",
    'import "server-only";',
    'import { db } from "../db";',
    "export async function toggle() { db(); }",
  );
  const needs = (...files: SourceFile[]) => scanServerBoundary([db, fsUser, marked, pure, action, ...files]).needs;

  it.each([
    ["a file-system import", file("lib/a.ts", 'import fs from "fs";'), /^imports fs \(line 1\)$/],
    ["child_process by require", file("lib/a.js", 'const { spawn } = require("node:child_process");'), /^imports node:child_process/],
    ["a database driver", file("lib/a.ts", 'import Database from "better-sqlite3";'), /^imports the database driver better-sqlite3/],
    ["the generated Prisma client", file("lib/a.ts", 'import { Prisma } from "./generated/sqlite/client";'), /^imports the database driver/],
    [
      "a database handle, even as a type",
      file("lib/a.ts", 'import type { Db } from "./db";', "export const f = (d: Db) => d;"),
      /^takes a database handle: imports from lib\/db\.ts/,
    ],
    ["process.kill", file("lib/a.ts", "export const stop = (pid: number) => process.kill(pid);"), /^uses process\.kill \(line 1\)$/],
    ["a signal handler", file("lib/a.ts", 'process.on("SIGTERM", () => {});'), /^uses process\.on/],
    ["a server-only module's value", file("lib/a.ts", 'import { x } from "./marked";'), /^imports lib\/marked\.ts, which is server-only/],
    ["a module that must be server-only, by `@/`", file("lib/a.ts", 'import { read } from "@/lib/files";'), /^imports lib\/files\.ts, which is server-only/],
    ["a dynamic import", file("lib/a.ts", 'export const load = () => import("./marked");'), /^imports lib\/marked\.ts/],
    ["a re-export", file("lib/a.ts", 'export { x } from "./marked";'), /^imports lib\/marked\.ts/],
  ])("requires server-only for %s", (_, source, reason) => {
    expect(needs(source).get(source.file)).toMatch(reason);
  });

  it.each([
    ["a type from a server-only module", file("lib/a.ts", 'import type { x } from "./marked";')],
    ["inline type specifiers only", file("lib/a.ts", 'import { type x } from "./marked";')],
    ["a type re-export", file("lib/a.ts", 'export type { x } from "./marked";')],
    ["a server action (client code may import it)", file("lib/a.ts", 'export { toggle } from "./actions/toggle";')],
    ["reading the environment or the pid", file("lib/a.ts", "export const pid = process.pid + Number(process.env.X);")],
    ["node:path and node:crypto", file("lib/a.ts", 'import { join } from "node:path";', 'import { randomUUID } from "node:crypto";')],
    ["a pure module", file("lib/a.ts", 'import { label } from "./pure";', 'import type { Row } from "./pure";')],
    ["a mention in a comment", file("lib/a.ts", "// process.kill(pid) and import('node:fs') are not called here")],
  ])("does not require it for %s", (_, source) => {
    expect(needs(source).has(source.file)).toBe(false);
  });

  it("follows import cycles and says which import made a module server-only", () => {
    const a = file("lib/a.ts", 'import { b } from "./b";', "export const a = 1;");
    const b = file("lib/b.ts", 'import { a } from "./a";', 'import { x } from "./marked";', "export const b = a;");
    const result = needs(a, b);
    expect(result.get("lib/b.ts")).toBe("imports lib/marked.ts, which is server-only (line 2)");
    expect(result.get("lib/a.ts")).toBe("imports lib/b.ts, which is server-only (line 1)");
  });

  it("finds server-only modules a client bundle would contain, with the chain, up to server actions", () => {
    const widget = file("components/widget.tsx", '"use client";', 'import { helper } from "@/lib/helper";', 'import { toggle } from "@/lib/actions/toggle";');
    const helper = file("lib/helper.ts", 'import { label } from "./pure";', 'import { x } from "./marked";', "export const helper = label;");
    const typed = file("components/typed.tsx", '"use client";', 'import type { Db } from "@/lib/db";', 'import { label } from "@/lib/pure";');
    const { clientEntries, clientLeaks } = scanServerBoundary([db, fsUser, marked, pure, action, widget, helper, typed]);
    expect(clientEntries.sort()).toEqual(["components/typed.tsx", "components/widget.tsx"]);
    expect(clientLeaks).toEqual([{ file: "lib/marked.ts", chain: ["components/widget.tsx", "lib/helper.ts", "lib/marked.ts"] }]);
  });
});

describe("server boundary: the tree", () => {
  const files = SCANNED.flatMap((p) => sourceFiles(join(ROOT, p)));
  const report = scanServerBoundary(files);
  const lib = files.filter((f) => f.file.startsWith("lib/")).map((f) => f.file);

  it("scans the panel's sources and is not blind on them", () => {
    expect(lib.length).toBeGreaterThan(100);
    expect(report.clientEntries.length).toBeGreaterThan(10);
    expect(report.needs.get("lib/db.ts")).toMatch(/database driver/);
    expect(report.needs.get("lib/engine/crowdsec/agent-start.ts")).toMatch(/child_process/);
    // The isomorphic modules the client components use are reached, and stay free of the marker.
    const pureFromClients = ["lib/client/security-keys.ts", "lib/security/spec/protections.ts", "lib/security/input-schema.ts"];
    for (const pure of pureFromClients) expect(report.needs.has(pure) || report.marked.has(pure), pure).toBe(false);
  });

  it('every lib module that touches the database, the file system or processes imports "server-only"', () => {
    const missing = lib.filter((f) => report.needs.has(f) && !report.marked.has(f) && !exempt(f)).map((f) => `${f}: ${report.needs.get(f)}`);
    expect(missing, 'add `import "server-only";` to each (the reason names the import or call that makes it server-only)').toEqual([]);
  });

  it("no client component's bundle contains a server-only module (the build's rule, checked without a build)", () => {
    expect(report.clientLeaks.map((l) => l.chain.join(" → "))).toEqual([]);
  });

  it("every exemption has a reason and still names a module that would need the marker", () => {
    for (const entry of EXEMPT) {
      expect(entry.reason.length, entry.file).toBeGreaterThan(20);
      expect(existsSync(join(ROOT, entry.file)), entry.file).toBe(true);
      expect(
        lib.some((f) => covers(entry, f) && report.needs.has(f)),
        `${entry.file} no longer needs the marker: remove the exemption`,
      ).toBe(true);
    }
  });

  // vitest aliases "server-only" away, so the marker is proven live in a plain Node process.
  it("outside the react-server condition a marked module refuses to load; under it, it loads", () => {
    const load = (...flags: string[]) =>
      spawnSync(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", 'await import("./lib/db.ts"); console.log("loaded");'], {
        cwd: ROOT,
        encoding: "utf8",
      });
    const plain = load();
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toContain("This module cannot be imported from a Client Component module");
    const server = load("--conditions=react-server");
    expect(server.stderr).toBe("");
    expect(server.stdout.trim()).toBe("loaded");
  });
});
