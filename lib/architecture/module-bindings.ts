import ts from "typescript";

// One source file as the runtime-writes scanner sees it: what each name is bound to (imports,
// requires, dynamic imports, declarations and destructuring), what the module exports, its star
// re-exports and every module it loads. Scopes are not modelled (runtime-writes.ts says why).

export type Binding =
  | { kind: "import"; spec: string; name: string; via: string } // name "*": the module itself
  | { kind: "expr"; expr: ts.Expression; path: string[] }; // `const { a: { b } } = expr` → path [a, b]

export type ExportEntry = { kind: "from"; spec: string; name: string } | { kind: "local"; name: string } | { kind: "expr"; expr: ts.Expression };

export type Module = {
  file: string;
  sf: ts.SourceFile;
  bindings: Map<string, Binding[]>;
  exports: Map<string, { entry: ExportEntry; node: ts.Node }>;
  stars: { spec: string; node: ts.Node }[];
  imports: { spec: string; node: ts.Node }[];
};

export function parseModule(file: string, source: string): Module {
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const m: Module = { file, sf, bindings: new Map(), exports: new Map(), stars: [], imports: [] };
  const bind = (name: string, b: Binding): void => void m.bindings.set(name, [...(m.bindings.get(name) ?? []), b]);
  const bindPattern = (name: ts.BindingName, expr: ts.Expression, path: string[]): void => {
    if (ts.isIdentifier(name)) return bind(name.text, { kind: "expr", expr, path });
    if (!ts.isObjectBindingPattern(name)) return; // array patterns hold nothing from a module
    for (const el of name.elements) {
      if (el.dotDotDotToken) continue;
      const key = el.propertyName ?? el.name;
      const prop = ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : undefined;
      if (prop !== undefined) bindPattern(el.name, expr, [...path, prop]);
    }
  };
  const exported = (name: string, entry: ExportEntry, node: ts.Node): void => void m.exports.set(name, { entry, node });
  const isExported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((mod) => mod.kind === ts.SyntaxKind.ExportKeyword);

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      const spec = node.moduleSpecifier.text;
      m.imports.push({ spec, node });
      const clause = node.importClause;
      if (clause && !clause.isTypeOnly) {
        if (clause.name) bind(clause.name.text, { kind: "import", spec, name: "default", via: `default import of "${spec}"` });
        const named = clause.namedBindings;
        if (named && ts.isNamespaceImport(named)) bind(named.name.text, { kind: "import", spec, name: "*", via: `namespace import of "${spec}"` });
        if (named && ts.isNamedImports(named)) {
          for (const el of named.elements) {
            if (el.isTypeOnly) continue;
            const imported = el.propertyName?.text ?? el.name.text;
            const via = imported === el.name.text ? `import from "${spec}"` : `import { ${imported} as ${el.name.text} } from "${spec}"`;
            bind(el.name.text, { kind: "import", spec, name: imported, via });
          }
        }
      }
      return;
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
      const spec = node.moduleReference.expression.text;
      m.imports.push({ spec, node });
      bind(node.name.text, { kind: "import", spec, name: "*", via: `import = require("${spec}")` });
      if (isExported(node)) exported(node.name.text, { kind: "local", name: node.name.text }, node);
      return;
    }
    if (ts.isExportDeclaration(node) && !node.isTypeOnly) {
      const spec = node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
      if (spec) m.imports.push({ spec, node });
      const clause = node.exportClause;
      if (!clause && spec) m.stars.push({ spec, node });
      else if (clause && ts.isNamespaceExport(clause) && spec) exported(clause.name.text, { kind: "from", spec, name: "*" }, node);
      else if (clause && ts.isNamedExports(clause)) {
        for (const el of clause.elements) {
          if (el.isTypeOnly) continue;
          const local = el.propertyName?.text ?? el.name.text;
          exported(el.name.text, spec ? { kind: "from", spec, name: local } : { kind: "local", name: local }, el);
        }
      }
      return;
    }
    if (ts.isExportAssignment(node)) exported("default", { kind: "expr", expr: node.expression }, node);
    if (ts.isVariableStatement(node) && isExported(node)) {
      for (const decl of node.declarationList.declarations) for (const name of boundNames(decl.name)) exported(name, { kind: "local", name }, decl);
    }
    if (ts.isVariableDeclaration(node) && node.initializer) bindPattern(node.name, node.initializer, []);
    if (ts.isCallExpression(node)) {
      const spec = moduleCall(node);
      if (spec) m.imports.push({ spec: spec.spec, node });
      // import("m").then((ns) => …) / .then(({ x }) => …): the callback's first parameter is the module.
      const callee = node.expression;
      const fn = node.arguments[0];
      if (
        ts.isPropertyAccessExpression(callee) &&
        callee.name.text === "then" &&
        fn &&
        (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) &&
        fn.parameters[0]
      ) {
        const source = unwrap(callee.expression);
        if (moduleCall(source)) bindPattern(fn.parameters[0].name, source, []);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return m;
}

function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((el) => (ts.isOmittedExpression(el) ? [] : boundNames(el.name)));
}

export function unwrap(node: ts.Expression): ts.Expression {
  let e = node;
  while (
    ts.isParenthesizedExpression(e) ||
    ts.isAwaitExpression(e) ||
    ts.isNonNullExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isTypeAssertionExpression(e)
  )
    e = e.expression;
  return e;
}

/** `require("m")` or `import("m")`: the specifier and how it was loaded. */
export function moduleCall(node: ts.Node): { spec: string; via: string } | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  const arg = node.arguments[0];
  if (!arg || !ts.isStringLiteralLike(arg)) return undefined;
  if (node.expression.kind === ts.SyntaxKind.ImportKeyword) return { spec: arg.text, via: "dynamic import" };
  if (ts.isIdentifier(node.expression) && node.expression.text === "require") return { spec: arg.text, via: "require" };
  return undefined;
}
