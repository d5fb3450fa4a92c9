import { posix } from "node:path";
import ts from "typescript";

// Reads source (never runs it) and decides which modules belong on the server only: a module that
// touches the database, the file system or processes must import "server-only", so that `next build`
// fails when a client component pulls it in. The fitness test (server-boundary.test.ts) checks lib/.
//
// A module is server-only when it
//   - imports the file system (`fs`, `fs/promises`) or `child_process`, with or without `node:`;
//   - imports a database driver for its value (`pg`, `better-sqlite3`, `@prisma/…`, the generated
//     Prisma client), or imports anything, even a type, from a module that does: a `Db`, `Tx` or
//     `RawConnection` parameter means the module runs queries on the handle it is given;
//   - uses the process itself: `process.kill`, `exit`, `abort`, signal handlers (`on`, `once`), `stdin`;
//   - imports for its value (static, dynamic, re-export or require) a local module that imports
//     "server-only" or must, unless that module is a "use server" module: client components may import
//     server actions (Next replaces them with references), so an action module's importers stay
//     isomorphic.
// `import type` and `import { type X }` (erased at build) do not count, except from a database module.
//
// The same facts show what a client bundle would contain: everything a "use client" module imports
// for its value, transitively, up to a "use server" module. None of it may import "server-only" (the
// build's own rule, checked here without a build; a module that must but does not is the other check).

export type SourceFile = { file: string; source: string };
export type ServerOnlyNeed = { file: string; reason: string };
export type ClientLeak = { file: string; chain: string[] };
export type BoundaryReport = {
  /** Modules that import "server-only". */
  marked: Set<string>;
  /** Why each module must import "server-only" (its first reason), for every module that must. */
  needs: Map<string, string>;
  /** "use client" modules (entry points of a client bundle). */
  clientEntries: string[];
  /** Modules importing "server-only" that a client bundle would contain, with the import chain from its entry. */
  clientLeaks: ClientLeak[];
};

const EXTENSIONS = [".ts", ".tsx", ".mts", ".mjs", ".js", ".cjs"];
const FILE_SYSTEM = new Set(["fs", "fs/promises", "child_process"]);
const DRIVER = /^(pg|better-sqlite3|@prisma\/.+)$|(^|\/)generated\/[^/]+\/client(\/|$)/;
const PROCESS_USES = new Set(["kill", "exit", "abort", "on", "once", "addListener", "stdin"]);

type Import = { spec: string; typeOnly: boolean; line: number };
type Facts = { marked: boolean; directive: "use client" | "use server" | null; imports: Import[]; processUse: string | null };

/** Scans `files` (paths relative to the repository root, "/"-separated; `@/` is that root). Pure: resolves among `files` only. */
export function scanServerBoundary(files: readonly SourceFile[]): BoundaryReport {
  const facts = new Map(files.map((f) => [f.file, parse(f.file, f.source)]));
  const resolve = (from: string, spec: string): string | null => {
    let base: string;
    if (spec.startsWith("@/")) base = spec.slice(2);
    else if (spec.startsWith("./") || spec.startsWith("../")) base = posix.join(posix.dirname(from), spec);
    else return null;
    const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => `${base}/index${e}`)];
    return candidates.find((c) => facts.has(c)) ?? null;
  };

  const databaseModules = new Set<string>();
  for (const [file, f] of facts) if (f.imports.some((i) => !i.typeOnly && DRIVER.test(i.spec))) databaseModules.add(file);

  const needs = new Map<string, string>();
  const direct = (file: string, f: Facts): string | undefined => {
    for (const i of f.imports) {
      const builtin = i.spec.replace(/^node:/, "");
      if (!i.typeOnly && FILE_SYSTEM.has(builtin)) return `imports ${i.spec} (line ${i.line})`;
      if (!i.typeOnly && DRIVER.test(i.spec)) return `imports the database driver ${i.spec} (line ${i.line})`;
      const local = resolve(file, i.spec);
      if (local && databaseModules.has(local)) return `takes a database handle: imports from ${local} (line ${i.line})`;
    }
    return f.processUse ?? undefined;
  };
  for (const [file, f] of facts) {
    const reason = direct(file, f);
    if (reason) needs.set(file, reason);
  }
  const isServer = (file: string) => facts.get(file)!.marked || needs.has(file);
  // Through value imports, to a fixed point (import cycles settle because a module only ever gains a need).
  for (let changed = true; changed;) {
    changed = false;
    for (const [file, f] of facts) {
      if (needs.has(file)) continue;
      for (const i of f.imports) {
        const local = i.typeOnly ? null : resolve(file, i.spec);
        if (local && facts.get(local)!.directive !== "use server" && isServer(local)) {
          needs.set(file, `imports ${local}, which is server-only (line ${i.line})`);
          changed = true;
          break;
        }
      }
    }
  }

  const clientEntries = [...facts].filter(([, f]) => f.directive === "use client").map(([file]) => file);
  const clientLeaks: ClientLeak[] = [];
  const chains = new Map<string, string[]>(clientEntries.map((file) => [file, [file]]));
  const queue = [...clientEntries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const chain = chains.get(file)!;
    if (facts.get(file)!.marked) {
      clientLeaks.push({ file, chain });
      continue;
    }
    for (const i of facts.get(file)!.imports) {
      const local = i.typeOnly ? null : resolve(file, i.spec);
      if (!local || chains.has(local) || facts.get(local)!.directive === "use server") continue;
      chains.set(local, [...chain, local]);
      queue.push(local);
    }
  }

  const marked = new Set([...facts].filter(([, f]) => f.marked).map(([file]) => file));
  return { marked, needs, clientEntries, clientLeaks };
}

function parse(file: string, source: string): Facts {
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const line = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const facts: Facts = { marked: false, directive: null, imports: [], processUse: null };

  for (const statement of sf.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) break;
    const text = statement.expression.text;
    if (text === "use client" || text === "use server") facts.directive = text;
  }

  const add = (spec: ts.Expression | undefined, typeOnly: boolean, node: ts.Node) => {
    if (spec && ts.isStringLiteralLike(spec)) facts.imports.push({ spec: spec.text, typeOnly, line: line(node) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      if (!clause && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === "server-only") facts.marked = true;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly, node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      add(node.moduleSpecifier, node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)), node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly, node);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) add(node.arguments[0], false, node);
    } else if (
      !facts.processUse &&
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "process" &&
      PROCESS_USES.has(node.name.text)
    ) {
      facts.processUse = `uses process.${node.name.text} (line ${line(node)})`;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return facts;
}
