import { expect, type Page, type TestInfo } from "@playwright/test";

export type StatusJson = {
  intent: Record<string, { enabled: boolean; version: number; settings: Record<string, unknown> }> & { version: number };
};

/** The stored intent, read through the API the page polls (not through the page under test). */
export async function readStatus(page: Page): Promise<StatusJson> {
  const response = await page.request.get("/api/security/status");
  expect(response.ok()).toBe(true);
  return (await response.json()) as StatusJson;
}

export function card(page: Page, protection: "crowdsec" | "waf" | "rate_limit") {
  return page.getByTestId(`card-${protection}`);
}

/** A named screenshot kept with the test's artefacts (UI states an admin sees). */
export async function snapshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** Fills the first-run form at /setup and submits it (the setup tests only; everything else signs in by API). */
export async function submitSetup(page: Page, credentials: { username: string; password: string }, confirm = credentials.password): Promise<void> {
  await page.getByLabel("Username").fill(credentials.username);
  await page.getByLabel("Password", { exact: true }).fill(credentials.password);
  await page.getByLabel("Confirm password").fill(confirm);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
}

/**
 * Fills the sign-in form and submits it; resolves with the HTTP status of POST /api/auth/login
 * (the login page's own tests only).
 */
export async function submitLogin(page: Page, credentials: { username: string; password: string }): Promise<number> {
  await page.getByLabel("Username").fill(credentials.username);
  await page.getByLabel("Password").fill(credentials.password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/api/auth/login" && r.request().method() === "POST"),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  return response.status();
}

/** The form's own message (Next.js also renders a role=alert route announcer outside the form). */
export function formAlert(page: Page) {
  return page.locator("form").getByRole("alert");
}
