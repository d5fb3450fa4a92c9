import { defineConfig, devices } from "@playwright/test";
import { E2E_SETUP_TOKEN } from "./e2e/fixtures";
import { crowdsecPorts } from "./e2e/crowdsec-agents";
import { edgePorts } from "./e2e/edge-instances";
import { E2E_DB, databaseUrl } from "./e2e/database";

// Playwright cannot download browsers here: Debian's Chromium is launched by path (.ci/run installs it).
const CHROMIUM = process.env.WARDEN_CHROMIUM ?? "/usr/bin/chromium";

// The database: E2E_DB=sqlite (default) or postgresql (e2e/database.ts). `npm run test:e2e` runs the
// whole suite once on each. Each server has its own database: ./data/e2e-<server>/warden.db, or
// the PostgreSQL database warden_e2e_<E2E_PORT>_<server> on 127.0.0.1:5432, recreated by
// scripts/e2e-server.mjs. Project names, the HTML report's title and the artifact folders
// (test-results/<db>, playwright-report/<db>) name the database, so a failure says where it came from.
//
// Servers on one production build, each with its own data directory (SQLite file, auth secret,
// CrowdSec instance):
//  - "first-run" starts with no admin: the crawl of a fresh install (@no-admin), then the setup flow,
//    then the lockout test (@first-run; it locks 127.0.0.1 out of this server for a minute, so nothing
//    runs on it afterwards);
//  - "panel" gets its admin from the seed project (through /setup, once); every other test signs in
//    by API (e2e/fixtures.ts). It runs a real CrowdSec agent when a test turns CrowdSec on;
//  - "schema" (@schema): migration health;
//  - "not-installed" (@not-installed): CROWDSEC_BIN points nowhere, as on a machine without the package.
// Two workers; within a server, tests run one at a time (project workers: 1). Playwright runs the
// projects in phases (a project starts once the projects it depends on have finished):
//   1. fresh-install, seed-admin, seed-not-installed   2. panel | first-run, not-installed, schema
// so "panel" (the longest) holds one worker while the other servers' projects share the second.
// Playwright starts webServers in order and waits for each URL: the first one builds (unless
// E2E_SKIP_BUILD=1), the others only start once that build is being served.
const FIRST_RUN_PORT = Number(process.env.E2E_PORT ?? 3100);
const PANEL_PORT = FIRST_RUN_PORT + 1;
const FIRST_RUN_URL = `http://127.0.0.1:${FIRST_RUN_PORT}`;
const PANEL_URL = `http://127.0.0.1:${PANEL_PORT}`;
// A third server for migration health: auto-migrate off, its database changed by the tests.
const SCHEMA_PORT = FIRST_RUN_PORT + 2;
const SCHEMA_URL = `http://127.0.0.1:${SCHEMA_PORT}`;
// A fourth server without CrowdSec installed.
const NOT_INSTALLED_PORT = FIRST_RUN_PORT + 3;
const NOT_INSTALLED_URL = `http://127.0.0.1:${NOT_INSTALLED_PORT}`;

// CrowdSec on every server: its own instance directory (under the server's data dir, which
// scripts/e2e-server.mjs recreates after stopping any agent left in it) and its own loopback ports,
// never the defaults 8180/6160 a developer's panel may be using. Self-heal off: a test that kills the
// agent sees it stay dead, and the global teardown's SIGTERM is not answered by a restart.
// The ports come from e2e/crowdsec-agents.ts (the panel's LAPI is 18380 with the default E2E_PORT;
// its spec occupies that port on purpose).
function crowdsecEnv(name: string, serverIndex: number): Record<string, string> {
  const { lapiPort, prometheusPort } = crowdsecPorts(serverIndex);
  const { listenPort, controlPort } = edgePorts(serverIndex);
  return {
    // The edge (nginx) of each server: its own ports (e2e/edge-instances.ts); its instance is <data dir>/edge.
    WARDEN_EDGE_LISTEN: `127.0.0.1:${listenPort}`,
    WARDEN_EDGE_CONTROL_LISTEN: `127.0.0.1:${controlPort}`,
    CROWDSEC_INSTANCE_DIR: `./data/e2e-${name}/crowdsec`,
    CROWDSEC_LAPI_PORT: String(lapiPort),
    CROWDSEC_PROMETHEUS_PORT: String(prometheusPort),
    CROWDSEC_READY_TIMEOUT_MS: "15000",
    WARDEN_SELF_HEAL: "false",
  };
}

function server(name: string, port: number, build: "build" | "reuse", extraEnv: Record<string, string> = {}) {
  return {
    name,
    command: "node scripts/e2e-server.mjs",
    url: `http://127.0.0.1:${port}/api/health/live`,
    timeout: build === "build" ? 240_000 : 60_000,
    reuseExistingServer: false,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: {
      E2E_SERVER_NAME: name,
      E2E_PORT: String(port),
      E2E_BUILD: build,
      WARDEN_DATA_DIR: `./data/e2e-${name}`,
      DATABASE_URL: databaseUrl(name),
      WARDEN_LOG_LEVEL: "warn",
      // As an automated install sets it (e2e/fixtures.ts E2E_SETUP_TOKEN); a generated one: server.spec.ts.
      WARDEN_SETUP_TOKEN: E2E_SETUP_TOKEN,
      ...extraEnv,
    },
  };
}

// Test titles carry the server state they need; the projects below select by tag.
const OTHER_SERVER_TAGS = /@no-admin|@first-run|@schema|@not-installed|@server/;

/** A project's name with the run's database, e.g. "panel (postgresql)": list and HTML reports show it. */
const project = (name: string) => `${name} (${E2E_DB})`;

export default defineConfig({
  testDir: "e2e",
  outputDir: `test-results/${E2E_DB}`,
  metadata: { database: E2E_DB },
  // Stops the CrowdSec agents the servers started (they are detached and outlive the servers).
  globalTeardown: "./e2e/global-teardown.ts",
  fullyParallel: false,
  // Two workers: one for the panel (the longest chain), one shared by the other servers. Within a
  // server tests run one after another (project workers: 1): the security config is one row shared
  // by every test, and the flows depend on each other's server state (setup before lockout).
  workers: 2,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 7_000 },
  reporter: [
    ["list"],
    ["html", { open: "never", outputFolder: `playwright-report/${E2E_DB}`, title: `Warden e2e on ${E2E_DB === "sqlite" ? "SQLite" : "PostgreSQL"}` }],
  ],
  use: {
    // Named screenshots of each page state come from helpers.snapshot; the automatic one only on failure.
    screenshot: "only-on-failure",
    // DOM snapshots and network only: the trace's screencast costs ~10 % of the run on this 2-core box.
    trace: { mode: "retain-on-failure", screenshots: false, snapshots: true, sources: true },
    launchOptions: {
      executablePath: CHROMIUM,
      // Without the networking flags Chromium keeps trying hosts this machine cannot reach.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    ...devices["Desktop Chrome"],
    viewport: { width: 1280, height: 900 },
  },
  projects: [
    // Server "first-run": a fresh install, in this order (each project depends on the previous one).
    { name: project("fresh-install"), workers: 1, use: { baseURL: FIRST_RUN_URL }, grep: /@no-admin/ },
    // Setup, then lockout (one serial describe in auth.spec.ts: lockout must be the last test here).
    { name: project("first-run"), workers: 1, use: { baseURL: FIRST_RUN_URL }, grep: /@first-run/, dependencies: [project("fresh-install")] },
    // Server "panel": the admin is created through /setup once, then everything else signs in by API.
    { name: project("seed-admin"), workers: 1, use: { baseURL: PANEL_URL }, testMatch: /seed\.setup\.ts/ },
    { name: project("panel"), workers: 1, use: { baseURL: PANEL_URL }, grepInvert: OTHER_SERVER_TAGS, dependencies: [project("seed-admin")] },
    // Server "schema": migration health states. It needs nothing from another server: the dependency
    // only puts it in phase 2, on the worker the panel leaves free (in phase 3 it would wait for the panel).
    { name: project("schema"), workers: 1, use: { baseURL: SCHEMA_URL }, grep: /@schema/, dependencies: [project("fresh-install")] },
    // Server "not-installed": its admin is seeded like the panel's (same seed test, its own baseURL).
    { name: project("seed-not-installed"), workers: 1, use: { baseURL: NOT_INSTALLED_URL }, testMatch: /seed\.setup\.ts/ },
    { name: project("not-installed"), workers: 1, use: { baseURL: NOT_INSTALLED_URL }, grep: /@not-installed/, dependencies: [project("seed-not-installed")] },
    // Servers of the tests' own (e2e/spawned-server.ts): trusted proxies, https, a database that is down.
    // In phase 2, on the worker the panel leaves free.
    { name: project("server"), workers: 1, grep: /@server/, dependencies: [project("fresh-install")] },
  ],
  webServer: [
    server("first-run", FIRST_RUN_PORT, "build", crowdsecEnv("first-run", 0)),
    server("panel", PANEL_PORT, "reuse", crowdsecEnv("panel", 1)),
    server("schema", SCHEMA_PORT, "reuse", { WARDEN_MIGRATE_ON_BOOT: "false", ...crowdsecEnv("schema", 2) }),
    server("not-installed", NOT_INSTALLED_PORT, "reuse", { ...crowdsecEnv("not-installed", 3), CROWDSEC_BIN: "/nonexistent/crowdsec" }),
  ],
});
