import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

// The Sites page: add, edit and remove a site; every refusal is shown beside its field and writes
// nothing. Host names are unique per test run (the panel server is shared by the specs).

interface SitesBody {
  sites: { id: number; hosts: string[]; upstream: string; waf: string; enabled: boolean; version: number }[];
}

async function readSites(page: Page): Promise<SitesBody> {
  const response = await page.request.get("/api/sites");
  expect(response.status()).toBe(200);
  return (await response.json()) as SitesBody;
}

const unique = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test.describe("sites", () => {
  test("an admin adds a site, edits it and removes it; each change is in the audit log", async ({ page }) => {
    const host = `${unique()}.example.com`;
    await page.goto("/sites");
    await page.getByRole("button", { name: "Add a site" }).click();
    await page.getByLabel("Host names").fill(`${host}\n*.${host}`);
    await page.getByLabel("Upstream", { exact: true }).fill("http://127.0.0.1:9001");
    await page.getByRole("button", { name: "Add site" }).click();
    const row = page.locator(`[data-testid=site-row][data-host="${host}"]`);
    await expect(row).toContainText(`*.${host}`);
    await expect(row).toContainText("http://127.0.0.1:9001");
    await expect(row).toContainText("inherit");

    // https without verification: the form warns before saving, the table marks it.
    await row.getByRole("button", { name: `Edit ${host}` }).click();
    await page.getByLabel("Upstream", { exact: true }).fill("https://127.0.0.1:8443");
    await page.getByLabel("Verify the upstream's TLS certificate (https)").uncheck();
    await expect(page.getByTestId("tls-verify-warning")).toBeVisible();
    await page.getByLabel("WAF", { exact: true }).selectOption("off");
    await page.getByRole("button", { name: "Save site" }).click();
    await expect(row).toContainText("https://127.0.0.1:8443");
    await expect(row).toContainText("TLS not verified");
    await expect(row).toContainText("off for this site");
    const stored = (await readSites(page)).sites.find((s) => s.hosts.includes(host))!;
    expect(stored).toMatchObject({ upstream: "https://127.0.0.1:8443", waf: "off", version: 2 });

    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: `Remove ${host}` }).click();
    await expect(row).toHaveCount(0);
    expect((await readSites(page)).sites.some((s) => s.hosts.includes(host))).toBe(false);

    await page.goto("/security?tab=audit");
    await expect(page.getByText("site removed").first()).toBeVisible();
    await expect(page.getByText("site added").first()).toBeVisible();
  });

  test("config-injection payloads and a taken host name are refused beside the field, writing nothing", async ({ page }) => {
    const host = `${unique()}.example.com`;
    await page.goto("/sites");
    await page.getByRole("button", { name: "Add a site" }).click();
    await page.getByLabel("Host names").fill(host);
    await page.getByLabel("Upstream", { exact: true }).fill("http://127.0.0.1:9001");
    await page.getByRole("button", { name: "Add site" }).click();
    await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toHaveCount(1);
    const before = await readSites(page);

    await page.getByRole("button", { name: "Add a site" }).click();
    for (const [hosts, message] of [
      [`${host}; return 200`, `contains the character ;`],
      [`x.example.com}`, "contains the character }"],
      [`"x".example.com`, 'contains the character "'],
      ["$host", "contains the character $"],
      ["x.example.com#", "contains the character #"],
    ] as const) {
      await page.getByLabel("Host names").fill(hosts);
      await page.getByRole("button", { name: "Add site" }).click();
      await expect(page.locator("#site-hosts-error")).toContainText(message);
    }
    await page.getByLabel("Host names").fill(`new-${host}`);
    await page.getByLabel("Upstream", { exact: true }).fill("http://127.0.0.1:9001; proxy_pass http://evil");
    await page.getByRole("button", { name: "Add site" }).click();
    await expect(page.locator("#site-upstream-error")).toContainText("contains");

    // A host name another site serves: refused by the server, naming that site.
    await page.getByLabel("Host names").fill(host.toUpperCase());
    await page.getByLabel("Upstream", { exact: true }).fill("http://127.0.0.1:9002");
    await page.getByRole("button", { name: "Add site" }).click();
    await expect(page.locator("#site-hosts-error")).toContainText(`${host} is already served by the site for ${host}`);
    expect((await readSites(page)).sites).toEqual(before.sites);
  });

  test("a site the edge cannot serve (its upstream's name does not resolve) is refused by nginx, rolled back, and the reason shown", async ({ page }) => {
    const host = `${unique()}.example.com`;
    await page.goto("/sites");
    await page.getByRole("button", { name: "Add a site" }).click();
    await page.getByLabel("Host names").fill(host);
    await page.getByLabel("Upstream", { exact: true }).fill("http://no-such-upstream.invalid:8080");
    await page.getByRole("button", { name: "Add site" }).click();
    const alert = page.locator("form [role=alert]").last();
    await expect(alert).toContainText("The edge could not apply the change: nginx refused the new configuration", { timeout: 15_000 });
    await expect(alert).toContainText("The change was rolled back.");
    await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toHaveCount(0);
    expect((await readSites(page)).sites.some((s) => s.hosts.includes(host))).toBe(false);
    await page.goto("/security?tab=audit");
    await expect(page.getByText("site change rolled back").first()).toBeVisible();
  });
});
