import { ADMIN, expect, test } from "./fixtures";
import { card, readStatus, snapshot } from "./helpers";

// Every test starts signed in as the seeded admin (by API: fixtures.ts); audit rows and conflict
// messages name that admin.

test.describe("security toggles", () => {
  test("a switch flip is committed, shown as intent, and survives a reload", async ({ page }, testInfo) => {
    await page.goto("/security");
    const wafSwitch = page.getByRole("switch", { name: "WAF" });
    const before = (await readStatus(page)).intent.waf!;
    await expect(wafSwitch).toHaveAttribute("aria-checked", String(before.enabled));

    await wafSwitch.click();
    const expected = !before.enabled;
    await expect(wafSwitch).toHaveAttribute("aria-checked", String(expected));
    await expect(card(page, "waf").getByTestId("intent-row")).toContainText(expected ? "On" : "Off");
    await expect(card(page, "waf").getByTestId("intent-version")).toContainText(`version ${before.version + 1}`);
    await expect(card(page, "waf").getByTestId("runtime-row")).toContainText("Not managed");
    await snapshot(page, testInfo, "security-after-toggle");

    await page.reload();
    await expect(page.getByRole("switch", { name: "WAF" })).toHaveAttribute("aria-checked", String(expected));
    const after = (await readStatus(page)).intent.waf!;
    expect(after.enabled).toBe(expected);
    expect(after.version).toBe(before.version + 1);

    // Keyboard: the switch is reachable and operable with Space.
    await page.getByRole("switch", { name: "WAF" }).focus();
    await page.keyboard.press("Space");
    await expect(page.getByRole("switch", { name: "WAF" })).toHaveAttribute("aria-checked", String(before.enabled));
    expect((await readStatus(page)).intent.waf!.enabled).toBe(before.enabled);
  });

  test("bad values get a message next to the field and change nothing", async ({ page }, testInfo) => {
    await page.goto("/security");
    const before = await readStatus(page);
    const waf = card(page, "waf");

    await waf.getByLabel("Paranoia level").fill("9");
    await waf.getByRole("button", { name: "Save settings" }).click();
    await expect(waf.getByText("Paranoia level must be between 1 and 4")).toBeVisible();
    await expect(waf.getByLabel("Paranoia level")).toHaveAttribute("aria-invalid", "true");
    await snapshot(page, testInfo, "waf-paranoia-out-of-range");

    const rate = card(page, "rate_limit");
    await rate.getByLabel("Window (seconds)").fill("-5");
    await rate.getByRole("button", { name: "Save settings" }).click();
    await expect(rate.getByText("Window (seconds) must be between 1 and 86400")).toBeVisible();

    await rate.getByLabel("Burst").fill("ten");
    await rate.getByRole("button", { name: "Save settings" }).click();
    await expect(rate.getByText("Burst must be a number")).toBeVisible();
    await snapshot(page, testInfo, "rate-limit-bad-values");

    await page.reload();
    const after = await readStatus(page);
    expect(after.intent).toEqual(before.intent);
    await expect(card(page, "waf").getByLabel("Paranoia level")).toHaveValue(String(before.intent.waf!.settings.paranoia));
  });

  test("a stale second tab gets a conflict and reloads; another protection is not a conflict", async ({ context }, testInfo) => {
    const first = await context.newPage();
    const second = await context.newPage();
    await first.goto("/security");
    await second.goto("/security");
    const start = (await readStatus(first)).intent.waf!.settings.paranoia as number;
    const firstValue = start === 2 ? 3 : 2;
    const secondValue = firstValue === 3 ? 4 : 3;

    await card(first, "waf").getByLabel("Paranoia level").fill(String(firstValue));
    await card(first, "waf").getByRole("button", { name: "Save settings" }).click();
    await expect(card(first, "waf").getByTestId("intent-settings")).toContainText(`paranoia: ${firstValue}`);

    // The second tab still holds the old version of WAF.
    await card(second, "waf").getByLabel("Paranoia level").fill(String(secondValue));
    await card(second, "waf").getByRole("button", { name: "Save settings" }).click();
    const error = card(second, "waf").getByTestId("card-error");
    await expect(error).toContainText(new RegExp(`WAF was changed by ${ADMIN.username} at \\d{1,2}:\\d{2}`));
    await expect(error).toContainText("reloaded");
    // Reloaded: the form shows what the first tab stored, not the rejected value.
    await expect(card(second, "waf").getByLabel("Paranoia level")).toHaveValue(String(firstValue));
    await snapshot(second, testInfo, "conflict-in-second-tab");
    expect((await readStatus(second)).intent.waf!.settings.paranoia).toBe(firstValue);

    // Rate limiting has its own version: the same stale tab can change it.
    const rateBefore = (await readStatus(second)).intent.rate_limit!;
    const burst = (rateBefore.settings.burst as number) === 20 ? 21 : 20;
    await card(second, "rate_limit").getByLabel("Burst").fill(String(burst));
    await card(second, "rate_limit").getByRole("button", { name: "Save settings" }).click();
    await expect(card(second, "rate_limit").getByTestId("intent-settings")).toContainText(`burst: ${burst}`);
    await expect(card(second, "rate_limit").getByTestId("card-error")).toHaveCount(0);
    expect((await readStatus(second)).intent.rate_limit!.version).toBe(rateBefore.version + 1);
  });

  test("the audit tab lists the change, newest first, with before → after and outcome", async ({ page }, testInfo) => {
    await page.goto("/security");
    const before = (await readStatus(page)).intent.rate_limit!;
    await page.getByRole("switch", { name: "Rate limiting" }).click();
    await expect(page.getByRole("switch", { name: "Rate limiting" })).toHaveAttribute("aria-checked", String(!before.enabled));

    await page.getByRole("tab", { name: "Audit" }).click();
    const newest = page.getByTestId("audit-row").first();
    await expect(newest).toContainText(ADMIN.username);
    // The actor column names the signed-in admin, not a placeholder.
    await expect(newest.locator("td").nth(1)).toHaveText(ADMIN.username);
    await expect(page.getByTestId("audit-row").filter({ hasText: "local-admin" })).toHaveCount(0);
    await expect(newest).toContainText("Rate limiting");
    await expect(newest).toContainText(`enabled: ${before.enabled} → ${!before.enabled}`);
    await expect(newest).toContainText("committed");
    await expect(page.getByTestId("audit-page")).toContainText("Page 1 of");
    await snapshot(page, testInfo, "audit-tab");

    // Deep link to the tab survives a reload.
    await page.reload();
    await expect(page.getByRole("tab", { name: "Audit" })).toHaveAttribute("aria-selected", "true");
  });

  test("the overview works on a 390 px wide phone screen", async ({ newContext }, testInfo) => {
    const phone = await (await newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto("/security");
    for (const name of ["CrowdSec", "WAF", "Rate limiting"]) await expect(phone.getByRole("switch", { name })).toBeVisible();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await snapshot(phone, testInfo, "security-phone");
    await phone.close();
  });
});
