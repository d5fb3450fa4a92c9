import { test as base, expect, type APIRequestContext, type BrowserContext, type BrowserContextOptions } from "@playwright/test";

export { expect };

export interface Credentials {
  username: string;
  password: string;
}

/** The admin of the "panel" server, created through /setup by e2e/seed.setup.ts. */
export const ADMIN: Credentials = { username: "e2e-admin", password: "e2e admin passphrase 1" };
/** The admin the first-run test creates on the "first-run" server. */
export const FIRST_ADMIN: Credentials = { username: "first-admin", password: "first run passphrase 1" };

export const SESSION_COOKIE = "warden.session_token";

/**
 * The first-run setup token of every shared e2e server (WARDEN_SETUP_TOKEN in playwright.config.ts),
 * as an automated install sets it; e2e/server.spec.ts covers a generated one.
 */
export const E2E_SETUP_TOKEN = "e2e-setup-token-0123456789abcdef";

/**
 * Signs in by API: POST /api/auth/login. Through a context's `request` the session cookie lands in
 * that context's cookie jar, so its pages are signed in too. Only the tests of the login and setup
 * pages use the forms.
 */
export async function apiLogin(request: APIRequestContext, credentials: Credentials = ADMIN): Promise<void> {
  const response = await request.post("/api/auth/login", { data: credentials });
  expect(response.status(), `login of ${credentials.username} by API: ${await response.text()}`).toBe(200);
  expect(response.headers()["set-cookie"] ?? "").toContain(`${SESSION_COOKIE}=`);
}

/** Content-Security-Policy violations reported by Chromium, collected for the whole test. */
async function watchCsp(context: BrowserContext, sink: string[]): Promise<void> {
  context.on("console", (message) => {
    if (message.type() === "error" && /Content[- ]Security[- ]Policy/i.test(message.text())) sink.push(`${message.location().url}: ${message.text()}`);
  });
  // Also the DOM event, in case Chromium words its console message differently (init scripts are
  // injected by the browser and are not subject to the page's CSP).
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

export type SessionKind = "admin" | "none";

interface Fixtures {
  /** Whether the test's `context`/`page` start signed in (by API) as ADMIN. */
  session: SessionKind;
  /** CSP violations seen in any context of the test; the test fails if there are any. */
  cspViolations: string[];
  /** Another browser context (another "device"), signed in by API unless session: "none". */
  newContext: (options?: BrowserContextOptions & { session?: SessionKind; credentials?: Credentials }) => Promise<BrowserContext>;
}

export const test = base.extend<Fixtures>({
  session: ["admin", { option: true }],

  // Playwright fixtures: the second argument hands the value to the test (named `provide`, not `use`,
  // so the React hooks lint rule does not mistake it for a hook).
  cspViolations: [
    async ({}, provide) => {
      const violations: string[] = [];
      await provide(violations);
      expect(violations, "Content-Security-Policy violations in the browser console").toEqual([]);
    },
    { auto: true },
  ],

  context: async ({ context, session, cspViolations }, provide) => {
    await watchCsp(context, cspViolations);
    if (session === "admin") await apiLogin(context.request);
    await provide(context);
  },

  newContext: async ({ browser, baseURL, cspViolations }, provide) => {
    const contexts: BrowserContext[] = [];
    await provide(async ({ session = "admin", credentials = ADMIN, ...options } = {}) => {
      const context = await browser.newContext({ baseURL, ...options });
      contexts.push(context);
      await watchCsp(context, cspViolations);
      if (session === "admin") await apiLogin(context.request, credentials);
      return context;
    });
    for (const context of contexts) await context.close();
  },
});
