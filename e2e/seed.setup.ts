import { ADMIN, apiLogin, E2E_SETUP_TOKEN, expect, test } from "./fixtures";
import { snapshot, submitSetup } from "./helpers";

// A server that starts empty ("panel", "not-installed": the project's baseURL picks it) gets its
// admin once, through the app's own first-run page. Every test of the server's project then signs
// in by API (fixtures.ts).
test.use({ session: "none" });

test("seed: create the server's admin through /setup", async ({ page, context }, testInfo) => {
  if (testInfo.repeatEachIndex > 0) {
    // --repeat-each runs this again on the same server: the admin exists, setup is closed.
    expect((await page.goto("/setup"))?.status()).toBe(404);
    await apiLogin(context.request);
    return;
  }
  await page.goto("/security");
  await expect(page).toHaveURL(/\/setup$/);
  await page.goto(`/setup?token=${E2E_SETUP_TOKEN}`);
  await submitSetup(page, ADMIN);
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByTestId("signed-in-as")).toContainText(ADMIN.username);
  await snapshot(page, testInfo, "seeded-admin-security");
});
