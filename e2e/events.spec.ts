import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Page, TestInfo } from "@playwright/test";
import { auditLine } from "../test/support/audit-log";
import { expectAccessible } from "./a11y";
import { expect, test } from "./fixtures";
import { snapshot } from "./helpers";

// The Events page: the WAF events the edge wrote to its JSON audit log, each with its site; filters,
// the request-id search, and "Exclude this rule for this site". No nginx runs here: the test writes
// the audit log where the panel server's edge keeps it (WARDEN_DATA_DIR=./data/e2e-panel, so
// <data>/edge/logs/modsec_audit.log) as ModSecurity writes it, and creates its site disabled.

const unique = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const requestId = () => randomBytes(16).toString("hex"); // nginx's $request_id

function panelAuditLog(testInfo: TestInfo): string {
  return join(testInfo.project.testDir, "..", "data", "e2e-panel", "edge", "logs", "modsec_audit.log");
}

async function addDisabledSite(page: Page, host: string): Promise<number> {
  await page.goto("/sites");
  await page.getByRole("button", { name: "Add a site" }).click();
  await page.getByLabel("Host names").fill(`${host}\n*.${host}`);
  await page.getByLabel("Upstream", { exact: true }).fill("http://127.0.0.1:9001");
  await page.getByLabel("Served by the edge (enabled)").uncheck();
  await page.getByRole("button", { name: "Add site" }).click();
  await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toContainText("disabled");
  const body = (await (await page.request.get("/api/sites")).json()) as { sites: { id: number; hosts: string[] }[] };
  return body.sites.find((s) => s.hosts.includes(host))!.id;
}

test.describe("events", () => {
  test("WAF events show with their site; filters and the request-id search narrow them; a rule is excluded for the site from its event", async ({
    page,
  }, testInfo) => {
    test.setTimeout(60_000);
    const host = `${unique()}.example.com`;
    await addDisabledSite(page, host);
    const blocked = requestId();
    const detected = requestId();
    const stray = requestId();
    const log = panelAuditLog(testInfo);
    mkdirSync(dirname(log), { recursive: true });
    appendFileSync(
      log,
      auditLine({
        requestId: blocked,
        host: `www.${host}:8080`,
        uri: `/search?q=<script>alert(1)</script>&pad=${"x".repeat(120)}`,
        ruleIds: [941100, 941160, 949110],
        messages: { 941100: "XSS Attack Detected via libinjection", 949110: "Inbound Anomaly Score Exceeded (Total Score: 15)" },
      }) +
        auditLine({
          requestId: detected,
          host,
          method: "POST",
          uri: "/login",
          ruleIds: [920350],
          engine: "DetectionOnly",
          messages: { 920350: "Host header is a numeric IP address" },
        }) +
        auditLine({ requestId: stray, host: `${unique()}.unknown.test`, ruleIds: [913100] }),
    );

    await page.goto("/events");
    await expect(page.getByRole("link", { name: "Events" })).toHaveAttribute("aria-current", "page");
    const row = (id: string) => page.locator(`[data-testid=event-row][data-request-id="${id}"]`);
    await expect(row(blocked)).toBeVisible(); // polled: the log is read when the page asks
    await expect(row(blocked)).toContainText("blocked");
    await expect(row(blocked)).toContainText(host);
    await expect(row(blocked)).toContainText("941100, 941160, 949110");
    await expect(row(blocked)).toContainText("XSS Attack Detected via libinjection");
    await expect(row(blocked).getByTitle(/^GET \/search\?q=<script>/)).toBeVisible();
    await expect(row(detected)).toContainText("detected");
    await expect(row(detected)).toContainText("POST /login");
    await expect(row(stray)).toContainText("(no site)");
    await snapshot(page, testInfo, "events-table");

    // Filters: action, site, rule (each narrows the table; nothing else is hidden by them).
    await page.getByLabel("Action").selectOption("blocked");
    await expect(row(detected)).toHaveCount(0);
    await expect(row(blocked)).toBeVisible();
    await page.getByLabel("Action").selectOption("");
    await page.getByLabel("Site", { exact: true }).selectOption({ label: host });
    await expect(row(stray)).toHaveCount(0);
    await expect(row(detected)).toBeVisible();
    await expect(row(blocked)).toBeVisible();
    await page.getByLabel("Rule id").fill("abc");
    await expect(page.locator("#events-rule-error")).toContainText("Rule id must be a whole number");
    await page.getByLabel("Rule id").fill("920350");
    await expect(row(blocked)).toHaveCount(0);
    await expect(row(detected)).toBeVisible();
    await page.getByLabel("Rule id").fill("913100");
    await expect(page.getByTestId("events-empty")).toHaveText("No event matches these filters.");
    await snapshot(page, testInfo, "events-no-match");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect(row(stray)).toBeVisible();

    // The request id a blocked client saw finds its row: typed (its first characters), or in the URL.
    await page.getByLabel("Request id").fill(blocked.slice(0, 10).toUpperCase());
    await expect(row(detected)).toHaveCount(0);
    await expect(row(blocked)).toBeVisible();
    await expect(page.getByTestId("events-count")).toContainText("1 of");
    await page.goto(`/events?requestId=${detected}`);
    await expect(page.getByLabel("Request id")).toHaveValue(detected);
    await expect(row(detected)).toBeVisible();
    await expect(row(blocked)).toHaveCount(0);
    const refused = await page.request.get("/api/edge/events?rule=941100;");
    expect(refused.status()).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^Invalid events filter: rule: Rule id must be a whole number/);

    // Exclude this rule for this site: asked once, saying what changes; then the rule shows excluded.
    await page.goto(`/events?requestId=${blocked}`);
    await row(blocked)
      .getByRole("button", { name: `Details of ${blocked}` })
      .click();
    const details = page.getByTestId("event-details");
    await expect(details.getByTestId("event-request-line")).toContainText("GET /search?q=<script>alert(1)</script>&pad=");
    const rule = (id: number) => details.locator(`[data-testid=event-rule][data-rule="${id}"]`);
    await expect(rule(949110)).toContainText("Anomaly score verdict");
    await expect(rule(941100)).toContainText("XSS Attack Detected via libinjection");
    let question = "";
    page.once("dialog", (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await rule(941100)
      .getByRole("button", { name: `Exclude this rule for this site (rule 941100, ${host})` })
      .click();
    await expect(rule(941100)).toContainText(`excluded for ${host}`);
    expect(question).toContain(`Exclude rule 941100 for ${host}, *.${host}?`);
    await expect(page.getByTestId("toast").filter({ hasText: `Rule 941100 is now excluded for ${host}.` })).toBeVisible();
    await expect(rule(941160).getByRole("button", { name: /Exclude this rule for this site/ })).toBeVisible();
    await snapshot(page, testInfo, "events-rule-excluded");
    await expectAccessible(page, "/events with an event opened"); // a11y.spec.ts scans the page as it loads
    await page.setViewportSize({ width: 390, height: 844 }); // an admin on a phone: the table scrolls sideways, the filters stack
    await expect(rule(941100)).toBeVisible();
    await snapshot(page, testInfo, "events-phone");
    expect(await page.evaluate(() => document.documentElement.scrollWidth), "the page itself does not scroll sideways at 390 px").toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.goto("/sites");
    const siteRow = page.locator(`[data-testid=site-row][data-host="${host}"]`);
    await expect(siteRow.getByTestId("site-exclusions")).toContainText("excluded rules:941100");
    await expect(siteRow.getByRole("button", { name: `Apply rule 941100 to ${host} again` })).toBeVisible();
    await page.goto("/security?tab=audit");
    await expect(page.getByText(`${host}: rule 941100`).first()).toBeVisible();

    await page.goto("/sites");
    page.once("dialog", (dialog) => void dialog.accept());
    await siteRow.getByRole("button", { name: `Remove ${host}` }).click();
    await expect(siteRow).toHaveCount(0);
  });
});
