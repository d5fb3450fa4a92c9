// The layers of the panel and who may import whom. This file is the source of truth: docs/architecture.md
// describes it, `npm run lint` enforces it (eslint-plugin-boundaries), and lib/architecture/layers.test.ts
// shows it refusing imports it must refuse. Change an allowance only with its reason beside it.
//
// Every source file in app/, components/, lib/ (and instrumentation*.ts, server.mjs) belongs to one layer,
// named by folder so that files can move and be renamed inside it. A file in no layer is an error, and so
// is an import of one: a new folder gets its layer here first. Tests are outside the layers (a test sets
// up whatever its unit needs).
//
// Kinds of import: a value import loads the module, and follows the table below. `import type` loads
// nothing at run time; the browser side (components, lib/client) may import types from any lib module.

import boundaries from "eslint-plugin-boundaries";

/** Layer → files. A file may also carry a marker (the second table). */
const LAYERS = {
  app: ["app/**"],
  components: ["components/**"],
  client: ["lib/client/**"],
  actions: ["lib/actions/**"],
  cli: ["lib/cli/**"],
  reconcile: ["lib/reconcile/**"],
  drift: ["lib/drift/**"],
  engine: ["lib/engine/**"],
  security: ["lib/security/**"],
  sites: ["lib/sites/**"],
  decisions: ["lib/decisions/**"],
  migrations: ["lib/migrations/**"],
  audit: ["lib/audit/**"],
  auth: ["lib/auth/**"],
  http: ["lib/http.ts", "lib/request-body.ts"],
  architecture: ["lib/architecture/**"],
  // Foundation: the domain layers use these; they import no layer above them.
  db: ["lib/db.ts", "lib/generated/**"],
  env: ["lib/env.ts", "lib/env-schema.mjs"],
  log: ["lib/log.ts", "lib/log-config.mjs"],
  errors: ["lib/errors.ts"],
  "process-registry": ["lib/process-registry.ts"],
  // Leaf utilities, each imported by name below.
  "db-url": ["lib/db-url.ts"],
  "private-files": ["lib/private-files.ts"],
  "advisory-locks": ["lib/advisory-locks.ts"],
  plural: ["lib/plural.ts"],
  // Process entry points.
  boot: ["instrumentation*.ts"],
  server: ["server.mjs", "lib/server/**"],
};

/** Markers: files that a layer above may reach although it may not reach the rest of their layer. */
const MARKERS = {
  // Pure modules shared by the browser and the server: the form validates with the server's own rules
  // and shows the server's own words. Their only value imports are each other and packages (enforced
  // below), and they must never carry `import "server-only"`. lib/security/spec/ is the protections'
  // field spec (labels, bounds, schemas, form fields).
  "browser-safe": [
    "lib/plural.ts",
    "lib/security/spec/*.ts",
    "lib/security/input-schema.ts",
    "lib/auth/credentials-schema.ts",
    "lib/sites/grammar.ts",
    "lib/drift/drift-report.ts",
    "lib/drift/surfaces/store-surface.ts",
    // CrowdSec bans: the ban form's value, duration and reason rules, the self-block check, the list's types.
    "lib/decisions/ban-*.ts",
    "lib/decisions/ip-address.ts",
    "lib/decisions/self-block.ts",
    "lib/decisions/decision-types.ts",
  ],
  // The sites' strict grammar (host names, upstreams, rule ids): the edge's renderer checks with it too,
  // so that the form, the sites store and the runtime files follow one grammar.
  "site-grammar": ["lib/sites/grammar.ts"],
  // The sites as stored (read only): the edge's driver reads them with the latest intent when it applies.
  "site-read": ["lib/sites/site-read.ts"],
  // The session guards pages and route handlers call (a redirect, a 401, a cross-site refusal).
  "auth-guard": ["lib/auth/guard.ts", "lib/auth/page-guard.ts", "lib/auth/origin.ts"],
  // The schema gate: is the database fit to serve? Asked before anything touches data.
  "schema-gate": ["lib/migrations/gate.ts", "lib/migrations/health.ts", "lib/migrations/report.ts"],
};

const FOUNDATION = ["db", "env", "log", "errors", "process-registry"];

/**
 * Who may import whom (value imports; `import type` follows the same table unless `types` says more).
 * Each entry: the layer, the layers and markers it may import, and why where the reason is not obvious.
 * A layer may always import itself.
 */
const ALLOW = {
  // Thin: pages and route handlers call use cases and read queries (lib/actions), the guards and the HTTP
  // helpers; never lib/db or a domain folder directly.
  app: [
    "components",
    "actions",
    "auth-guard",
    "http",
    "errors",
    // The login route sets cookies itself (it cannot use jsonRoute, which logs for the others).
    "log",
    // The login page reads `next` with safeNextPath, the same check the browser's form uses.
    "browser-safe",
  ],
  // The browser: server actions (lib/actions), client helpers (lib/client), and pure shared modules.
  components: ["actions", "client", "browser-safe"],
  client: ["browser-safe"],
  // Use cases and read queries: the domain below them.
  actions: ["auth", "security", "sites", "decisions", "engine", "drift", "migrations", "audit", ...FOUNDATION],
  // The CLI drives the same domain as the panel, from a terminal.
  cli: ["auth", "security", "sites", "engine", "drift", "migrations", "audit", "reconcile", ...FOUNDATION, "db-url", "plural"],
  // The boot reconciler: make the runtime match the intent, then start drift.
  reconcile: [
    "engine",
    "drift",
    "security",
    // Runs only on a healthy schema.
    "schema-gate",
    ...FOUNDATION,
    // One leader among processes sharing a database.
    "advisory-locks",
    "db-url",
  ],
  // Observe and diff, never apply: drift asks the engine's drivers to render and observe, and reads the store.
  drift: [
    "engine",
    "security",
    // The detector starts after the schema gate passes.
    "schema-gate",
    ...FOUNDATION,
  ],
  // The only code that changes the runtime; it reads the intent from lib/security.
  engine: [
    "security",
    // A change's runtime result and an "Apply to runtime" are audited where they happen, through the
    // one writer (lib/audit/append.ts), once the runtime has answered.
    "audit",
    // The edge validates the sites it renders by the sites grammar, the rules the form and the store
    // apply (one grammar).
    "site-grammar",
    // An applier drives the runtime to the latest intent, which it reads itself (ADR 005): for the edge
    // that includes the sites. Reading only: sites are written by lib/sites, never by the engine.
    "site-read",
    // The blocklist renderer checks each value CrowdSec's Local API returns with the ban value's own
    // rules before it writes it into the edge's nginx `geo` file (one grammar with the ban form).
    "decisions",
    ...FOUNDATION,
    "plural",
  ],
  // The intent store: config, mirror and audit row in one transaction.
  security: [
    // The committed change's audit row is written in the commit's own transaction.
    "audit",
    ...FOUNDATION,
    // Serialises writers across processes sharing a database, in the provider's SQL dialect.
    "advisory-locks",
    "db-url",
  ],
  // Sites and WAF exclusions: security intent like the protections, committed through the same
  // version bump, mirror key and audit writer as lib/security's commits.
  sites: ["security", "audit", ...FOUNDATION],
  // CrowdSec bans' input rules (pure, browser-safe) and the active decisions as the leader last read them
  // from LAPI (a cache, not intent: no audit) with the blocklist's state.
  decisions: [...FOUNDATION],
  // The one writer and the list of audit rows.
  audit: [
    // The audit query's protection filter takes its names from the protections' field spec.
    "browser-safe",
    "db",
    "log",
    "errors",
  ],
  auth: [
    // The page guard shows the schema-degraded notice before asking for a session.
    "schema-gate",
    // Form errors are keyed by field with the browser's own helper (fieldErrors).
    "browser-safe",
    ...FOUNDATION,
    "advisory-locks",
    "private-files",
    "plural",
  ],
  migrations: [...FOUNDATION, "db-url", "private-files", "advisory-locks", "plural"],
  // Route handlers' wrapper (jsonRoute): the session check and the schema gate before the handler runs.
  http: ["auth-guard", "schema-gate", "db", "log", "errors"],
  // Fitness tests' helpers read source; they import no layer.
  architecture: [],
  db: [
    // The connection string, one client per process, the URL's provider.
    "env",
    "process-registry",
    "db-url",
  ],
  env: [],
  log: [],
  errors: [],
  "process-registry": [],
  "db-url": ["private-files"],
  // Warns when it finds a private file too open.
  "private-files": ["log"],
  "advisory-locks": [],
  plural: [],
  // Next's boot hook (instrumentation*.ts) is the composition root: it parses the environment, runs the
  // schema gate and starts the reconciler.
  boot: ["auth", "migrations", "reconcile", ...FOUNDATION, "private-files"],
  // The custom HTTP server (plain Node, before Next loads) shares the logger's configuration and checks the environment with the one schema.
  server: ["log", "env"],
};

/** `import type` beyond the table above. */
const TYPES = {
  // The browser sees the server's data shapes.
  components: ["*"],
  client: ["*"],
  // A runtime driver's diff verb returns drift's vocabulary (Surface, Difference, SurfaceCheck).
  engine: ["browser-safe"],
};

const fileDescriptors = [
  ...Object.entries(LAYERS).map(([category, pattern]) => ({ category, pattern })),
  ...Object.entries(MARKERS).map(([category, pattern]) => ({ category, pattern })),
];

const categories = (names) => (names.includes("*") ? "*" : { anyOf: names });

const policies = [
  ...Object.entries(ALLOW).map(([layer, to]) => ({
    from: { file: { categories: layer } },
    allow: { to: { file: { categories: categories([layer, ...to]) } } },
  })),
  ...Object.entries(TYPES).map(([layer, to]) => ({
    from: { file: { categories: layer } },
    allow: { to: { file: { categories: categories(to) } }, dependency: { kind: "type" } },
  })),
  // Browser-safe modules stay browser-safe: no value import of anything that is not.
  {
    from: { file: { categories: "browser-safe" } },
    disallow: { to: { file: { categories: { noneOf: ["browser-safe"] } } }, dependency: { kind: "value" } },
  },
];

export const LAYER_FILES = ["app/**/*.{ts,tsx,mjs,js}", "components/**/*.{ts,tsx}", "lib/**/*.{ts,tsx,mjs,js}", "instrumentation*.ts", "server.mjs"];

export const layersConfig = {
  files: LAYER_FILES,
  ignores: ["**/*.test.ts", "**/*.test.tsx", "**/__fixtures__/**", "lib/generated/**"],
  plugins: { boundaries },
  settings: {
    "boundaries/files": fileDescriptors,
    "boundaries/dependency-nodes": ["import", "export", "dynamic-import", "require"],
  },
  rules: {
    "boundaries/dependencies": ["error", { default: "disallow", checkUnknownLocals: true, policies }],
    "boundaries/no-unknown-files": "error",
  },
};
