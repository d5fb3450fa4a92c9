import { ADMIN, expect, test } from "./fixtures";
import { snapshot, submitSetup } from "./helpers";

// The "panel" server starts empty: its admin is created once, through the app's own first-run page.
// Every test of the "panel" project then signs in by API (fixtures.ts).
test.use({ session: "none" });

test("seed: create the panel's admin through /setup", async ({ page }, testInfo) => {
  await page.goto("/security");
  await expect(page).toHaveURL(/\/setup$/);
  await submitSetup(page, ADMIN);
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByTestId("signed-in-as")).toContainText(ADMIN.username);
  await snapshot(page, testInfo, "seeded-admin-security");
});
