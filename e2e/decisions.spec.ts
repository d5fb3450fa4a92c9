import { expectAccessible } from "./a11y";
import { E2E_DB, runSql } from "./database";
import { expect, test } from "./fixtures";
import { snapshot } from "./helpers";

// The Decisions page over a persisted decision set: search, filters and paging, the summary line, the
// ban form's field errors and self-block warning, and the unban confirmation. No CrowdSec runs here:
// the test writes 120 decisions into the panel server's database as the leader would persist them
// (ids 900001…, values in 198.18.0.0/15), and removes them after. Nothing is sent to LAPI: the ban
// form is only submitted with input the server refuses, and no unban is confirmed.

const PANEL = "panel";
const COUNT = 120;
const FIRST_ID = 900_001;

interface Seeded {
  id: number;
  value: string;
  origin: string;
  type: string;
  scenario: string;
  enforced: boolean;
}

const ORIGINS = ["crowdsec", "cscli", "warden", "CAPI"];
const SEEDED: Seeded[] = Array.from({ length: COUNT }, (_, i) => ({
  id: FIRST_ID + i,
  value: `198.18.${Math.floor(i / 100)}.${i % 100}`,
  origin: ORIGINS[i % 4]!,
  type: i % 10 === 9 ? "captcha" : "ban",
  scenario: i % 4 === 2 ? `Panel ban by e2e-admin: report ${i}` : i % 4 === 1 ? "manual 'ban' from 'e2e'" : "crowdsecurity/e2e-probing",
  enforced: i % 10 !== 9,
}));

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;
const sqlDate = (d: Date) => sqlText(E2E_DB === "sqlite" ? d.toISOString().replace("Z", "+00:00") : d.toISOString().replace("T", " ").replace("Z", ""));
const sqlBool = (b: boolean) => (E2E_DB === "sqlite" ? (b ? "1" : "0") : b ? "true" : "false");

async function seedDecisions(): Promise<void> {
  const now = new Date();
  const values = SEEDED.map((d, i) =>
    [
      d.id,
      sqlText(d.value),
      sqlText("Ip"),
      sqlText(d.type),
      sqlText(d.origin),
      sqlText(d.scenario),
      sqlDate(new Date(now.getTime() + (i + 1) * 3_600_000)),
      sqlBool(d.enforced),
      d.enforced ? "NULL" : sqlText("captcha"),
      sqlDate(now),
    ].join(", "),
  );
  await runSql(
    PANEL,
    `DELETE FROM "crowdsec_decisions" WHERE "id" >= ${FIRST_ID};
     INSERT INTO "crowdsec_decisions" ("id", "value", "scope", "type", "origin", "scenario", "expires_at", "enforced", "not_enforced_reason", "synced_at") VALUES ${values.map((v) => `(${v})`).join(", ")};
     DELETE FROM "blocklist_state";
     INSERT INTO "blocklist_state" ("id", "synced_at", "active_count", "enforced_count", "not_enforced_count", "updated_at") VALUES (1, ${sqlDate(now)}, ${COUNT}, 108, 12, ${sqlDate(now)});`,
  );
}

test.describe("decisions", () => {
  test.beforeAll(seedDecisions);
  test.afterAll(() => runSql(PANEL, `DELETE FROM "crowdsec_decisions" WHERE "id" >= ${FIRST_ID}; DELETE FROM "blocklist_state";`));

  test("search, filters and paging over the persisted decisions, with the summary line", async ({ page }, testInfo) => {
    await page.goto("/decisions");
    await expect(page.getByRole("link", { name: "Decisions" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByTestId("decisions-summary")).toContainText("120 active decisions · 108 enforced at the edge · 12 not enforced (captcha) · synced");
    await expect(page.getByTestId("decisions-range")).toHaveText("Showing 1–50 of 120 decisions");
    const rows = page.getByTestId("decision-row");
    await expect(rows).toHaveCount(50);
    // Expiring first: the seeded order.
    await expect(rows.first().getByTestId("decision-value")).toHaveText("198.18.0.0");
    await snapshot(page, testInfo, "decisions-first-page");
    await expectAccessible(page, "/decisions");

    const paging = page.getByRole("navigation", { name: "Decision pages" });
    await paging.getByRole("button", { name: "Next" }).click();
    await expect(page.getByTestId("decisions-range")).toHaveText("Showing 51–100 of 120 decisions");
    await expect(rows.first().getByTestId("decision-value")).toHaveText("198.18.0.50");
    await paging.getByRole("button", { name: "Next" }).click();
    await expect(page.getByTestId("decisions-page")).toHaveText("Page 3 of 3");
    await expect(rows).toHaveCount(20);
    await expect(paging.getByRole("button", { name: "Next" })).toBeDisabled();

    // A search starts again from the first page; it finds any part of the value or the scenario.
    await page.getByLabel("Search").fill("198.18.0.1");
    const matching = SEEDED.filter((d) => d.value.includes("198.18.0.1")).length;
    await expect(page.getByTestId("decisions-range")).toHaveText(`Showing 1–${matching} of ${matching} decisions`);
    await page.getByLabel("Search").fill("REPORT 1");
    const reports = SEEDED.filter((d) => /report 1/i.test(d.scenario)).length;
    await expect(page.getByTestId("decisions-range")).toHaveText(`Showing 1–${reports} of ${reports} decisions`);
    await page.getByRole("button", { name: "Clear filters" }).click();

    await page.getByLabel("Origin").selectOption("panel");
    await expect(page.getByTestId("decisions-range")).toHaveText("Showing 1–30 of 30 decisions");
    await expect(page.locator("[data-testid=decision-row]:not([data-origin=panel])")).toHaveCount(0);
    await page.getByLabel("Origin").selectOption("other");
    await expect(page.getByTestId("decisions-range")).toHaveText("Showing 1–30 of 30 decisions");
    await expect(rows.first()).toContainText("CAPI");

    await page.getByLabel("Origin").selectOption("");
    await page.getByLabel("At the edge").selectOption("not_enforced");
    await expect(page.getByTestId("decisions-range")).toHaveText("Showing 1–12 of 12 decisions");
    await expect(rows.first().getByTestId("decision-enforced")).toHaveText(/not enforced\s*captcha/);
    await page.getByLabel("At the edge").selectOption("");
    await page.getByLabel("Type").selectOption("captcha");
    await expect(page.getByTestId("decisions-range")).toHaveText("Showing 1–12 of 12 decisions");

    // At 390 px the page does not scroll sideways (the table scrolls within its box).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await snapshot(page, testInfo, "decisions-390px");
  });

  test("with CrowdSec off, ban and unban are unavailable and the page says why (the form's errors and confirmations: decisions-edge.spec.ts)", async ({
    page,
  }) => {
    await page.goto("/decisions");
    const form = page.getByTestId("ban-form");
    await expect(page.getByTestId("ban-disabled")).toContainText("Banning and unbanning are unavailable: CrowdSec is off");
    await form.getByRole("button", { name: "Ban an address or range" }).click();
    await expect(form.getByRole("button", { name: "Ban", exact: true })).toBeDisabled();
    await expect(
      page
        .getByTestId("decision-row")
        .first()
        .getByRole("button", { name: /^Unban/ }),
    ).toBeDisabled();
    await expect(page.getByRole("button", { name: /^Unban \d+ selected$/ })).toBeDisabled();
  });

  test("the alerts tab says why alerts are unavailable, or lists them", async ({ page }) => {
    await page.goto("/decisions?tab=alerts");
    await expect(page.getByRole("tab", { name: "Alerts" })).toHaveAttribute("aria-selected", "true");
    await expect(page.getByTestId("alerts-unavailable").or(page.getByTestId("alerts-table")).or(page.getByText("No recent alerts."))).toBeVisible();
    await page.getByRole("tab", { name: "Decisions" }).click();
    await expect(page.getByTestId("ban-form")).toBeVisible();
  });
});
