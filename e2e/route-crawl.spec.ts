import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { APIRequestContext, APIResponse, TestInfo } from "@playwright/test";
import { ADMIN, expect, test } from "./fixtures";
import { snapshot } from "./helpers";

// The route crawl: every page, route handler and server action of the production build, read from
// the build's own manifests (not the file tree), is checked in three states:
//   noAdmin   – a fresh install (server "first-run", before setup): everything leads to /setup;
//   anonymous – an admin exists, no session: pages → /login?next=…, routes 401, actions UNAUTHENTICATED;
//   admin     – signed in (by API): pages and routes answer, actions get past the guard.
// An entry of the manifests that the tables below do not classify fails the test: a new page, route
// or action has to be added here deliberately, with what it should do without a session.

type State = "noAdmin" | "anonymous" | "admin";

/** A page's answer: its own status, or a redirect chain ending on `to` (path + query) with 200. */
type PageExpectation = { status: number } | { to: string };

const guardedPage = (path: string): Record<State, PageExpectation> => ({
  noAdmin: { to: "/setup" },
  anonymous: { to: `/login?next=${encodeURIComponent(path)}` },
  admin: { status: 200 },
});

const PAGES: Record<string, { why: string; expect: Record<State, PageExpectation> }> = {
  "/page": { why: "redirects to /security", expect: { noAdmin: { to: "/setup" }, anonymous: { to: "/login?next=%2Fsecurity" }, admin: { to: "/security" } } },
  "/(panel)/security/page": { why: "guarded", expect: guardedPage("/security") },
  "/(panel)/account/page": { why: "guarded", expect: guardedPage("/account") },
  "/(panel)/sites/page": { why: "guarded", expect: guardedPage("/sites") },
  "/(panel)/events/page": { why: "guarded", expect: guardedPage("/events") },
  "/(panel)/decisions/page": { why: "guarded", expect: guardedPage("/decisions") },
  // With a healthy schema, guarded like the others (its reduced view without login exists only while degraded).
  "/(panel)/migrations/page": { why: "guarded while healthy", expect: guardedPage("/migrations") },
  "/(auth)/login/page": { why: "open (after setup)", expect: { noAdmin: { to: "/setup" }, anonymous: { status: 200 }, admin: { to: "/security" } } },
  "/(auth)/setup/page": { why: "open only while no admin exists", expect: { noAdmin: { status: 200 }, anonymous: { status: 404 }, admin: { status: 404 } } },
  "/_not-found/page": { why: "Next.js 404 page, no data", expect: { noAdmin: { status: 404 }, anonymous: { status: 404 }, admin: { status: 404 } } },
  "/_global-error/page": {
    why: "Next.js global error page, no data",
    expect: { noAdmin: { status: 500 }, anonymous: { status: 500 }, admin: { status: 500 } },
  },
};

type RouteRule =
  /** Guarded: 401 JSON { error: { code: "UNAUTHENTICATED" } } without a session, 200 with one. */
  | { access: "admin"; methods: string[] }
  /** Open: the same answer in every state (a request that needs no session and writes nothing). */
  | { access: "open"; why: string; probes: Record<string, { status: number; body?: unknown }> };

const ROUTES: Record<string, RouteRule> = {
  "/api/security/status/route": { access: "admin", methods: ["GET", "HEAD"] },
  "/api/security/audit/route": { access: "admin", methods: ["GET", "HEAD"] },
  // The drift detector's cached report (never recomputed on the request path).
  "/api/security/drift/route": { access: "admin", methods: ["GET", "HEAD"] },
  // The scenarios the runtime offers, intent beside what is enabled on disk (reads the instance's files).
  "/api/security/scenarios/route": { access: "admin", methods: ["GET", "HEAD"] },
  "/api/session/route": { access: "admin", methods: ["GET", "HEAD"] },
  // The sites behind the edge (the Sites page polls it).
  "/api/sites/route": { access: "admin", methods: ["GET", "HEAD"] },
  // The WAF events from the edge's audit log (the Events page polls it).
  "/api/edge/events/route": { access: "admin", methods: ["GET", "HEAD"] },
  // CrowdSec's active decisions as the leader persisted them (the Decisions page polls it).
  "/api/decisions/route": { access: "admin", methods: ["GET", "HEAD"] },
  "/api/health/live/route": { access: "open", why: "liveness, no database", probes: { GET: { status: 200 }, HEAD: { status: 200 } } },
  "/api/health/route": { access: "open", why: "readiness for load balancers: no secrets in it", probes: { GET: { status: 200 }, HEAD: { status: 200 } } },
  "/api/migrations/route": { access: "admin", methods: ["GET", "HEAD"] },
  // The backups under <WARDEN_DATA_DIR>/backups with their restore commands.
  "/api/migrations/backups/route": { access: "admin", methods: ["GET", "HEAD"] },
  // An empty body fails the shape check: no audit row, so it does not count towards the lockout.
  "/api/auth/login/route": { access: "open", why: "sign-in", probes: { POST: { status: 400, body: {} } } },
  "/icon.svg/route": { access: "open", why: "static asset", probes: { GET: { status: 200 }, HEAD: { status: 200 } } },
};

// Server actions by file#export. "admin": refused without a session through the action helper.
// "setup": open only while no admin exists (createFirstAdmin refuses afterwards).
const ACTIONS: Record<string, "admin" | "setup"> = {
  "lib/actions/security/toggle.ts#toggleProtectionAction": "admin",
  "lib/actions/security/update.ts#updateProtectionAction": "admin",
  "lib/actions/security/set-scenario.ts#setScenarioAction": "admin",
  "lib/actions/security/apply-runtime.ts#applyRuntimeAction": "admin",
  "lib/actions/security/repair-mirror.ts#repairMirrorAction": "admin",
  // Verify protection: without input it would probe; the crawl's "crawl" is refused as malformed.
  "lib/actions/security/verify.ts#verifyProtectionAction": "admin",
  // Sites: the crawl sends no input, so each is refused as malformed after the guard (nothing written).
  "lib/actions/sites/save.ts#createSiteAction": "admin",
  "lib/actions/sites/save.ts#updateSiteAction": "admin",
  "lib/actions/sites/save.ts#removeSiteAction": "admin",
  // "Exclude this rule for this site" (the Events page) and applying the rule again.
  "lib/actions/sites/exclusions.ts#excludeRuleAction": "admin",
  "lib/actions/sites/exclusions.ts#removeExclusionAction": "admin",
  // Decisions: ban and unban without input are refused as invalid after the guard (nothing sent to LAPI);
  // the alerts and what the panel may do (ban, alerts) are reads.
  "lib/actions/decisions/ban.ts#banDecisionAction": "admin",
  "lib/actions/decisions/unban.ts#unbanDecisionsAction": "admin",
  "lib/actions/decisions/alerts.ts#listAlertsAction": "admin",
  "lib/actions/decisions/capabilities.ts#decisionCapabilitiesAction": "admin",
  "lib/actions/auth/change-password.ts#changePasswordAction": "admin",
  "lib/actions/auth/revoke-session.ts#revokeSessionAction": "admin",
  "lib/actions/auth/revoke-session.ts#revokeOtherSessionsAction": "admin",
  // Invoked last in the signed-in crawl: it ends the crawl's session.
  "lib/actions/auth/sign-out.ts#logoutAction": "admin",
  "lib/actions/auth/setup.ts#setupAction": "setup",
  // The health page's: a dry run on a copy (no input), and Apply (the admin's password again).
  "lib/actions/migrations/test-on-copy.ts#testMigrationsAction": "admin",
  "lib/actions/migrations/apply-migrations.ts#applyMigrationsAction": "admin",
};

// ---------------------------------------------------------------------------------------------------

interface BuildRoutes {
  pages: { key: string; path: string }[];
  routes: { key: string; path: string }[];
  actions: { key: string; id: string; path: string }[];
}

function readBuild(testInfo: TestInfo): BuildRoutes {
  const next = join(testInfo.project.testDir, "..", ".next");
  const json = (file: string) => JSON.parse(readFileSync(join(next, file), "utf8")) as Record<string, unknown>;
  const appPaths = json("server/app-paths-manifest.json") as Record<string, string>;
  const urlOf = json("app-path-routes-manifest.json") as Record<string, string>;
  const references = json("server/server-reference-manifest.json") as Record<string, unknown>;

  const pages: BuildRoutes["pages"] = [];
  const routes: BuildRoutes["routes"] = [];
  for (const key of Object.keys(appPaths)) {
    const path = urlOf[key];
    if (!path) throw new Error(`${key} has no URL in app-path-routes-manifest.json`);
    if (key.endsWith("/page")) pages.push({ key, path });
    else if (key.endsWith("/route")) routes.push({ key, path });
    else throw new Error(`app-paths-manifest.json: ${key} is neither a page nor a route`);
  }

  const actions: BuildRoutes["actions"] = [];
  for (const runtime of ["node", "edge"]) {
    const entries = (references[runtime] ?? {}) as Record<string, { filename: string; exportedName: string; workers: Record<string, unknown> }>;
    for (const [id, entry] of Object.entries(entries)) {
      // Post to a page that bundles the action (the worker "app/(panel)/security/page" serves /security).
      const worker = Object.keys(entry.workers)[0]!;
      const path = urlOf[worker.replace(/^app/, "")];
      if (!path) throw new Error(`server action ${entry.exportedName}: no URL for its page ${worker}`);
      actions.push({ key: `${entry.filename}#${entry.exportedName}`, id, path });
    }
  }
  return { pages, routes, actions };
}

function expectClassified(build: BuildRoutes): void {
  const problems: string[] = [];
  const compare = (what: string, found: string[], listed: string[]) => {
    for (const key of found) if (!listed.includes(key)) problems.push(`${what} ${key} is in the build but not classified in e2e/route-crawl.spec.ts`);
    for (const key of listed) if (!found.includes(key)) problems.push(`${what} ${key} is classified in e2e/route-crawl.spec.ts but not in the build`);
  };
  compare(
    "page",
    build.pages.map((p) => p.key),
    Object.keys(PAGES),
  );
  compare(
    "route handler",
    build.routes.map((r) => r.key),
    Object.keys(ROUTES),
  );
  compare(
    "server action",
    build.actions.map((a) => a.key),
    Object.keys(ACTIONS),
  );
  expect(problems, "every page, route handler and server action of the build has a rule").toEqual([]);
}

/**
 * Security headers on every response, redirects and errors included: the CSP from server.mjs (a
 * script nonce, never 'unsafe-inline' or 'unsafe-eval' for scripts), the rest from next.config.js.
 */
function expectSecurityHeaders(response: APIResponse, what: string): void {
  const headers = response.headers();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, `${what}: one CSP header`).not.toContain(",");
  expect(csp, `${what}: CSP`).toContain("default-src 'self'");
  expect(csp, `${what}: CSP`).toContain("frame-ancestors 'none'");
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? "";
  expect(scriptSrc, `${what}: CSP script-src`).toMatch(/'nonce-[A-Za-z0-9+/]{22}=='/);
  expect(scriptSrc, `${what}: CSP script-src`).not.toMatch(/unsafe-inline|unsafe-eval|strict-dynamic/);
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBeTruthy();
  expect(headers["permissions-policy"], what).toBeTruthy();
}

/** GET a page, following redirects hop by hop (each hop must carry the security headers). */
async function visit(request: APIRequestContext, path: string): Promise<{ status: number; at: string }> {
  let url = path;
  for (let hop = 0; hop < 5; hop++) {
    const response = await request.get(url, { maxRedirects: 0 });
    expectSecurityHeaders(response, `GET ${url}`);
    const location = response.headers()["location"];
    if (response.status() < 300 || response.status() >= 400 || !location) {
      const u = new URL(response.url());
      return { status: response.status(), at: u.pathname + u.search };
    }
    url = location;
  }
  throw new Error(`${path}: more than 5 redirects`);
}

async function checkPages(request: APIRequestContext, build: BuildRoutes, state: State): Promise<void> {
  for (const { key, path } of build.pages) {
    const expected = PAGES[key]!.expect[state];
    const result = await visit(request, path);
    if ("to" in expected) expect(result, `${state}: page ${path}`).toEqual({ status: 200, at: expected.to });
    else expect(result, `${state}: page ${path}`).toEqual({ status: expected.status, at: path });
  }
}

/** The methods a route handler exports (Next.js answers OPTIONS with Allow). */
async function allowedMethods(request: APIRequestContext, path: string): Promise<string[]> {
  const response = await request.fetch(path, { method: "OPTIONS", maxRedirects: 0 });
  const allow = response
    .headersArray()
    .filter((h) => h.name.toLowerCase() === "allow")
    .flatMap((h) => h.value.split(/[,\n]/))
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m && m !== "OPTIONS");
  return [...new Set(allow)].sort();
}

async function checkRoutes(request: APIRequestContext, build: BuildRoutes, state: State): Promise<void> {
  for (const { key, path } of build.routes) {
    const rule = ROUTES[key]!;
    const methods = await allowedMethods(request, path);
    const listed = rule.access === "admin" ? rule.methods : Object.keys(rule.probes);
    expect(methods, `route ${path}: the methods it exports (OPTIONS → Allow) are the ones classified`).toEqual([...listed].sort());
    for (const method of methods) {
      const probe = rule.access === "open" ? rule.probes[method]! : undefined;
      const response = await request.fetch(path, { method, maxRedirects: 0, ...(probe?.body !== undefined ? { data: probe.body } : {}) });
      const what = `${state}: ${method} ${path}`;
      expectSecurityHeaders(response, what);
      if (method !== "GET" && method !== "HEAD") {
        // Mutating methods refuse cross-site requests (Origin of another site), session or not.
        const crossSite = await request.fetch(path, {
          method,
          maxRedirects: 0,
          headers: { Origin: "http://evil.example" },
          ...(probe?.body !== undefined ? { data: probe.body } : {}),
        });
        expect(crossSite.status(), `${what} from another site`).toBe(403);
      }
      if (rule.access === "open") {
        expect(response.status(), what).toBe(probe!.status);
      } else if (state === "admin") {
        expect(response.status(), what).toBe(200);
      } else {
        expect(response.status(), what).toBe(401);
        if (method !== "HEAD") expect(await response.json(), what).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
      }
    }
  }
}

type ActionReply = { data?: unknown; error?: { code: string; message: string } };

/** Invokes a server action the way the browser does: POST to its page with the Next-Action header. */
async function invokeAction(request: APIRequestContext, baseURL: string, action: { id: string; path: string }, args: unknown[]): Promise<ActionReply> {
  const response = await request.post(action.path, {
    headers: {
      "Next-Action": action.id,
      "Content-Type": "text/plain;charset=UTF-8",
      Accept: "text/x-component",
      Origin: baseURL,
    },
    data: JSON.stringify(args),
    maxRedirects: 0,
  });
  expectSecurityHeaders(response, `action ${action.id}`);
  const text = await response.text();
  expect(response.status(), `action ${action.id}: ${text}`).toBe(200);
  // React Flight: row 0 is {"a":"$@<row>",…}; that row holds the action's return value.
  const rows = new Map(
    text
      .split("\n")
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)] as const),
  );
  const ref = (JSON.parse(rows.get("0") ?? "{}") as { a?: string }).a;
  const row = ref?.startsWith("$@") ? rows.get(ref.slice(2)) : undefined;
  if (!row) throw new Error(`action ${action.id}: no return value in ${text}`);
  return JSON.parse(row) as ActionReply;
}

// A well-formed setup request: if setup were open, it would create an admin.
const SETUP_INPUT = { username: "crawl-intruder", password: "crawl intruder passphrase", confirm: "crawl intruder passphrase" };

async function checkActions(request: APIRequestContext, baseURL: string, build: BuildRoutes, state: State): Promise<void> {
  // logout ends the session the signed-in crawl runs on: last.
  const ordered = [...build.actions].sort((a, b) => Number(a.key.endsWith("#logoutAction")) - Number(b.key.endsWith("#logoutAction")));
  // Next.js's origin check first: the same calls from another site are refused before any action
  // runs (with a session this is the CSRF case; a cross-site logout that went through would show
  // below as UNAUTHENTICATED).
  for (const action of ordered) {
    const crossSite = await request.post(action.path, {
      headers: { "Next-Action": action.id, "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: "http://evil.example" },
      data: "[]",
      maxRedirects: 0,
    });
    expect(crossSite.status(), `${state}: cross-site ${action.key}`).toBeGreaterThanOrEqual(400);
    expect(await crossSite.text(), `${state}: cross-site ${action.key}`).not.toMatch(/"(data|error)":/);
  }
  for (const action of ordered) {
    const what = `${state}: server action ${action.key}`;
    if (ACTIONS[action.key] === "setup") {
      if (state === "noAdmin") {
        // Open while no admin exists: it answers (here: refuses a malformed request), it does not ask for a session.
        expect((await invokeAction(request, baseURL, action, [])).error, what).toMatchObject({ code: "VALIDATION" });
      } else {
        const reply = await invokeAction(request, baseURL, action, [SETUP_INPUT]);
        expect(reply.error, what).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("Setup is closed") });
      }
      continue;
    }
    // Without arguments most actions answer a validation error; "Apply to runtime", "Rewrite the
    // mirror", "Test on a copy" and "Verify" take none and would really run, so the crawl gives them
    // one they must refuse (MALFORMED) after the guard.
    const args = /#(applyRuntimeAction|repairMirrorAction|testMigrationsAction|verifyProtectionAction)$/.test(action.key) ? ["crawl"] : [];
    const reply = await invokeAction(request, baseURL, action, args);
    if (state !== "admin") {
      expect(reply.error?.code, what).toBe("UNAUTHENTICATED");
    } else {
      // Past the guard: the action's own answer (no arguments → a validation error, or done).
      expect(reply.error?.code ?? "ok", what).not.toMatch(/^(UNAUTHENTICATED|PASSWORD_CHANGE_REQUIRED|INTERNAL)$/);
    }
  }
  // The detection is real: an unknown action id is not answered by any action.
  const bogus = await request.post("/security", {
    headers: { "Next-Action": "40" + "0".repeat(40), "Content-Type": "text/plain;charset=UTF-8", Origin: baseURL },
    data: "[]",
  });
  expect(bogus.status()).toBeGreaterThanOrEqual(400);
  expect(bogus.headers()["x-nextjs-action-not-found"]).toBe("1");
  expect(await bogus.text()).not.toContain("UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------------------

test("every page, route handler and server action in the build's manifests is classified", async ({}, testInfo) => {
  const build = readBuild(testInfo);
  expect(build.pages.length).toBeGreaterThan(0);
  expect(build.routes.length).toBeGreaterThan(0);
  expect(build.actions.length).toBeGreaterThan(0);
  expectClassified(build);
});

test.describe("crawl", () => {
  test.use({ session: "none" });

  test("a fresh install: every page leads to /setup, routes answer 401, actions UNAUTHENTICATED, setup open @no-admin", async ({
    page,
    request,
    baseURL,
  }, testInfo) => {
    const build = readBuild(testInfo);
    expectClassified(build);
    await checkPages(request, build, "noAdmin");
    await checkRoutes(request, build, "noAdmin");
    await checkActions(request, baseURL!, build, "noAdmin");
    // The crawl created nothing: setup is still open.
    await page.goto("/");
    await expect(page).toHaveURL(/\/setup$/);
    await snapshot(page, testInfo, "no-admin-setup");
  });

  test("without a session: pages redirect to /login, routes answer 401, actions UNAUTHENTICATED, setup closed", async ({
    page,
    request,
    baseURL,
  }, testInfo) => {
    const build = readBuild(testInfo);
    expectClassified(build);
    await checkPages(request, build, "anonymous");
    await checkRoutes(request, build, "anonymous");
    await checkActions(request, baseURL!, build, "anonymous");
    // In the browser too (CSP checked by the fixture on every page); a screenshot of each page that
    // renders itself (the redirects all end on the same login page).
    for (const { path } of build.pages) {
      await page.goto(path);
      if (new URL(page.url()).pathname === path) await snapshot(page, testInfo, `anonymous${path.replaceAll("/", "_")}`);
    }
  });
});

test("with a session: every page and route answers, every action gets past the guard", async ({ page, baseURL }, testInfo) => {
  const build = readBuild(testInfo);
  expectClassified(build);
  const request = page.request; // the page's context: signed in by API (fixtures.ts)
  await checkPages(request, build, "admin");
  await checkRoutes(request, build, "admin");

  // Every page in the browser, signed in (CSP checked by the fixture on every page).
  for (const { key, path } of build.pages) {
    const response = await page.goto(path);
    const expected = PAGES[key]!.expect.admin;
    expect(response?.status(), `browser: ${path}`).toBe("status" in expected ? expected.status : 200);
    if (key.startsWith("/(panel)/")) await expect(page.getByTestId("signed-in-as")).toContainText(ADMIN.username);
    if (new URL(page.url()).pathname === path) await snapshot(page, testInfo, `admin${path.replaceAll("/", "_")}`);
  }

  await checkActions(request, baseURL!, build, "admin");
  // logoutAction (invoked last) ended the session on the server.
  expect((await request.get("/api/security/status")).status()).toBe(401);
});

test("the CSP nonce is new on every response, every script of a page carries it, and an injected inline script is blocked", async ({ page, cspViolations }) => {
  const nonces: string[] = [];
  for (let i = 0; i < 2; i++) {
    const response = await page.request.get("/security");
    const nonce = /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"] ?? "")?.[1];
    expect(nonce).toBeTruthy();
    nonces.push(nonce!);
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(3);
    for (const tag of scripts) expect(tag, "every script tag carries this response's nonce").toContain(`nonce="${nonce}"`);
  }
  expect(nonces[0]).not.toBe(nonces[1]);

  // In the browser the page's own scripts run (it hydrates: the switches answer), a script an
  // attacker injects does not.
  await page.goto("/security");
  await expect(page.getByRole("switch", { name: "WAF" })).toBeEnabled();
  await page.evaluate(() => {
    // Markup an XSS would inject (an event handler) and a script element built by injected code.
    const markup = document.createElement("div");
    markup.innerHTML = '<img src="data:," onerror="window.__injected = (window.__injected || 0) + 1">';
    document.body.appendChild(markup);
    const script = document.createElement("script");
    script.textContent = "window.__injected = (window.__injected || 0) + 1";
    document.body.appendChild(script);
  });
  await expect.poll(() => cspViolations.filter((v) => /inline event handler/.test(v)).length).toBeGreaterThan(0);
  await expect.poll(() => cspViolations.filter((v) => /inline script/.test(v)).length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
  // Chromium's own reports and the page's securitypolicyviolation events: all about those two.
  for (const violation of cspViolations) expect(violation).toMatch(/script-src/);
  cspViolations.length = 0; // the violations this test caused on purpose
});
