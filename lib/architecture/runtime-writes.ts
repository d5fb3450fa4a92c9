import { posix } from "node:path";
import ts from "typescript";
import { BUILTINS, FORBIDDEN, isHarmlessCall, type Builtin } from "./forbidden-calls";
import { moduleCall, parseModule, unwrap, type ExportEntry, type Binding, type Module } from "./module-bindings";

// Reads source (never runs it) and finds every use of a Node API that changes the runtime: starts or
// signals a process, or creates, replaces, links, removes or re-permissions a file. The fitness test
// (runtime-writes.test.ts) fails on any such use outside lib/engine that its allowlist does not name.
//
// Parsed with the TypeScript compiler API, so a name counts only when it is bound to the Node module:
// `conn.exec(sql)` or a local function called `writeFile` is not flagged; `import { writeFileSync as w }
// from "node:fs"; w()` is. Bindings are followed through
//   - named imports (with aliases), namespace and default imports, `import x = require()`,
//   - `require("fs")` (destructured, assigned, or called on directly: `require("fs").rmSync()`),
//   - dynamic `import()` (awaited, destructured, `(await import(m)).spawn()`, `import(m).then(({ x }) => …)`),
//   - members: `fs.promises.rename`, `fs.default.rmSync`, `fs["unlinkSync"]`, `f.call/apply/bind`,
//   - plain assignments and destructuring (`const w = fs.rmSync`, `const { rename } = fs.promises`),
//   - the `process` global (`process.kill`, `globalThis.process.kill`, `const { kill } = process`),
//   - local modules: a name imported from "@/…" or "./…" (resolved to .ts/.tsx/.mjs/.js or index.*) that
//     the module re-exports from one of these Node modules, by `export { x } from`, `export *`, `export *
//     as`, `export { local }`, `export const x = fs.x` or `export default`, through any number of hops.
//
// What is reported (`via` says how the name got there):
//   - every use of a forbidden function outside its binding: a call, or a reference passed on
//     (`paths.forEach(unlinkSync)`). `const w = fs.rmSync` is not itself reported; each use of `w` is.
//   - every module that re-exports a forbidden function or one of these Node modules whole
//     (`export * from "node:child_process"`). A re-export through a local module is therefore reported
//     twice: where it is re-exported (unless that is in lib/engine, the engine's own API) and at each
//     call site that uses it, so a helper module cannot launder a call, not even one in lib/engine.
//
// Deliberate limits (a fitness test, not a sound analysis): scopes are ignored (a name bound anywhere
// in a file to a forbidden function counts everywhere in it, so shadowing errs towards reporting);
// values that flow through function parameters, object properties or other packages are not followed;
// a wrapper function is reported where it makes the call, not where it is called.
//
// The forbidden functions, and the calls to them that cannot change anything, are forbidden-calls.ts;
// how a source file's names are bound is module-bindings.ts.

const EXTENSIONS = [".ts", ".tsx", ".mts", ".mjs", ".js", ".cjs"];

export type Violation = { file: string; line: number; call: string; via: string };
export type SourceFile = { file: string; source: string };
export type ModuleImport = { file: string; line: number; specifier: string; resolved: string | null };
export type ScanResult = { violations: Violation[]; imports: ModuleImport[] };

type Value = { kind: "fn"; call: string; via: string } | { kind: "ns"; builtin: Builtin; via: string } | { kind: "module"; file: string; via: string };

/**
 * All uses of runtime-changing Node APIs in `files` (paths relative to the repository root, "/"-separated;
 * `@/` resolves to that root). Pure: nothing is read from disk; imports resolve among `files` only.
 */
export function scanRuntimeWrites(files: readonly SourceFile[]): ScanResult {
  const sources = new Map(files.map((f) => [f.file, f.source]));
  const modules = new Map<string, Module>();
  // Resolutions are memoized; one cut short by an import cycle is not (it may be partial).
  const resolving = new Set<string>();
  const resolved = new Map<string, Value | undefined>();
  let cycles = 0;
  const memo = (key: string, compute: () => Value | undefined): Value | undefined => {
    if (resolved.has(key)) return resolved.get(key);
    if (resolving.has(key)) {
      cycles++;
      return undefined;
    }
    const before = cycles;
    resolving.add(key);
    try {
      const value = compute();
      if (cycles === before) resolved.set(key, value);
      return value;
    } finally {
      resolving.delete(key);
    }
  };

  const moduleOf = (file: string): Module => {
    let m = modules.get(file);
    if (!m) modules.set(file, (m = parseModule(file, sources.get(file)!)));
    return m;
  };

  const resolvePath = (from: string, spec: string): string | null => {
    let base: string;
    if (spec.startsWith("@/")) base = posix.normalize(spec.slice(2));
    else if (spec === "." || spec === ".." || spec.startsWith("./") || spec.startsWith("../")) base = posix.join(posix.dirname(from), spec);
    else return null;
    const stem = base.replace(/\.(m|c)?js$/, "");
    const candidates = [base, ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => `${base}/index${e}`)];
    return candidates.find((c) => sources.has(c)) ?? null;
  };

  const moduleValue = (from: string, spec: string, via: string): Value | undefined => {
    const name = spec.replace(/^node:/, "");
    if (BUILTINS.has(name)) return { kind: "ns", builtin: name as Builtin, via };
    const file = resolvePath(from, spec);
    return file ? { kind: "module", file, via } : undefined;
  };

  const member = (value: Value | undefined, name: string): Value | undefined => {
    if (!value) return undefined;
    if (value.kind === "fn") return ["call", "apply", "bind"].includes(name) ? value : undefined;
    if (value.kind === "module") {
      const exported = resolveExport(value.file, name);
      if (!exported) return undefined;
      return { ...exported, via: `${value.via}, which re-exports it (${exported.via} in ${value.file})` };
    }
    const { builtin, via } = value;
    if (name === "default") return value;
    if (FORBIDDEN[builtin].includes(name)) return { kind: "fn", call: builtin === "global" ? name : `${builtin}.${name}`, via };
    if (builtin === "fs" && name === "promises") return { kind: "ns", builtin: "fs/promises", via };
    if (builtin === "global" && name === "process") return { kind: "ns", builtin: "process", via: `${via}.process` };
    if (builtin === "global" && (name === "globalThis" || name === "global")) return value;
    return undefined;
  };

  const resolveBinding = (file: string, name: string): Value | undefined => {
    const bindings = moduleOf(file).bindings.get(name);
    if (!bindings) {
      if (name === "process") return { kind: "ns", builtin: "process", via: "the process global" };
      if (name === "globalThis" || name === "global") return { kind: "ns", builtin: "global", via: name };
      return undefined;
    }
    return memo(`${file}\0${name}`, () => {
      // Scopes are not modelled: the strongest of the bindings of this name wins (a function over a module).
      const values = bindings.map((b) => resolveBindingValue(file, b)).filter((v) => v !== undefined);
      return values.find((v) => v.kind === "fn") ?? values[0];
    });
  };

  const resolveBindingValue = (file: string, b: Binding): Value | undefined => {
    if (b.kind === "import") {
      const mod = moduleValue(file, b.spec, b.via);
      return b.name === "*" ? mod : member(mod, b.name);
    }
    return b.path.reduce<Value | undefined>((v, name) => member(v, name), resolveExpr(file, b.expr));
  };

  const resolveExpr = (file: string, node: ts.Expression): Value | undefined => {
    const expr = unwrap(node);
    if (ts.isIdentifier(expr)) return resolveBinding(file, expr.text);
    if (ts.isPropertyAccessExpression(expr)) return member(resolveExpr(file, expr.expression), expr.name.text);
    if (ts.isElementAccessExpression(expr) && ts.isStringLiteralLike(expr.argumentExpression))
      return member(resolveExpr(file, expr.expression), expr.argumentExpression.text);
    const spec = moduleCall(expr);
    if (spec) return moduleValue(file, spec.spec, `${spec.via} "${spec.spec}"`);
    return undefined;
  };

  const resolveExport = (file: string, name: string): Value | undefined => {
    return memo(`${file}\0export ${name}`, () => {
      const m = moduleOf(file);
      const exported = m.exports.get(name);
      if (exported) return exportValue(m, exported.entry);
      if (name === "default") return undefined;
      for (const star of m.stars) {
        const v = member(moduleValue(file, star.spec, `export * from "${star.spec}"`), name);
        if (v) return v;
      }
      return undefined;
    });
  };

  const exportValue = (m: Module, entry: ExportEntry): Value | undefined => {
    if (entry.kind === "local") return resolveBinding(m.file, entry.name);
    if (entry.kind === "expr") return resolveExpr(m.file, entry.expr);
    const mod = moduleValue(m.file, entry.spec, `export … from "${entry.spec}"`);
    return entry.name === "*" ? mod : member(mod, entry.name);
  };

  /** Names a module exports (explicitly or through `export *`), for reporting what a star re-export passes on. */
  const exportedForbidden = (file: string, seen = new Set<string>()): { name: string; value: Value }[] => {
    if (seen.has(file)) return [];
    seen.add(file);
    const m = moduleOf(file);
    const out: { name: string; value: Value }[] = [];
    for (const [name] of m.exports) {
      const v = resolveExport(file, name);
      if (v && v.kind !== "module") out.push({ name, value: v });
    }
    for (const star of m.stars) {
      const target = moduleValue(file, star.spec, "");
      if (target?.kind === "ns") out.push({ name: "*", value: target });
      else if (target?.kind === "module") out.push(...exportedForbidden(target.file, seen).filter((e) => e.name !== "default"));
    }
    return out;
  };

  const violations: Violation[] = [];
  const imports: ModuleImport[] = [];
  for (const { file } of files) {
    const m = moduleOf(file);
    const lineOf = (node: ts.Node) => m.sf.getLineAndCharacterOfPosition(node.getStart(m.sf)).line + 1;
    const report = (node: ts.Node, call: string, via: string) => violations.push({ file, line: lineOf(node), call, via });
    const reExport = (node: ts.Node, v: Value | undefined) => {
      if (v?.kind === "fn") report(node, v.call, `re-export (${v.via})`);
      else if (v?.kind === "ns" && FORBIDDEN[v.builtin].length) report(node, `${v.builtin}.*`, `re-export (${v.via})`);
    };

    for (const { spec, node } of m.imports) imports.push({ file, line: lineOf(node), specifier: spec, resolved: resolvePath(file, spec) });

    // A module that exports a forbidden function, or a whole forbidden module, is itself a violation.
    for (const { entry, node } of m.exports.values()) reExport(node, exportValue(m, entry));
    for (const star of m.stars) {
      const target = moduleValue(file, star.spec, `export * from "${star.spec}"`);
      if (target?.kind === "ns") reExport(star.node, target);
      else if (target?.kind === "module")
        for (const e of exportedForbidden(target.file))
          reExport(star.node, { ...e.value, via: `export * from "${star.spec}", which re-exports it (${e.value.via} in ${target.file})` });
    }

    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isImportEqualsDeclaration(node) || ts.isExportDeclaration(node)) return;
      if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
      if (ts.isExportAssignment(node) && resolveExpr(file, node.expression)) return; // reported as a re-export
      if ((ts.isIdentifier(node) && isReference(node)) || ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
        const v = resolveExpr(file, node as ts.Expression);
        if (v?.kind === "fn") {
          if (!isBindingInitializer(node) && !isHarmlessCall(node, v.call)) report(node, v.call, v.via);
          return;
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(m.sf);
  }
  violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.call.localeCompare(b.call));
  return { violations, imports };
}

/** An identifier used as a value (not a declaration's name, a property name or a label). */
function isReference(id: ts.Identifier): boolean {
  const parent = id.parent as ts.Node & { name?: ts.Node; propertyName?: ts.Node; label?: ts.Node };
  if (ts.isShorthandPropertyAssignment(parent)) return parent.name === id; // `{ writeFileSync }` passes the function on
  return parent.name !== id && parent.propertyName !== id && parent.label !== id;
}

/** `const w = fs.rmSync`: the binding is not a use; each use of `w` is reported. */
function isBindingInitializer(node: ts.Node): boolean {
  let n = node;
  while (
    ts.isParenthesizedExpression(n.parent) ||
    ts.isAwaitExpression(n.parent) ||
    ts.isAsExpression(n.parent) ||
    ts.isNonNullExpression(n.parent) ||
    ts.isSatisfiesExpression(n.parent)
  )
    n = n.parent;
  return ts.isVariableDeclaration(n.parent) && n.parent.initializer === n && ts.isIdentifier(n.parent.name);
}
