import { expectAccessible } from "./a11y";
import { expect, test } from "./fixtures";

// axe-core on every page of the panel server, signed in and signed out (the degraded pages are checked
// in migrations.spec.ts on the schema server, the first-run page in route-crawl.spec.ts).

test("every page signed in has no serious or critical accessibility violation", async ({ page }) => {
  test.setTimeout(120_000); // ten pages, each loaded to network idle and scanned: 30 s was tight on 2 busy cores
  for (const path of [
    "/security",
    "/security?tab=scenarios",
    "/security?tab=appsec",
    "/security?tab=audit",
    "/sites",
    "/events",
    "/decisions",
    "/account",
    "/migrations",
    "/no-such-page",
  ]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    await expectAccessible(page, `${path} (signed in)`);
  }
});

test.describe("signed out", () => {
  test.use({ session: "none" });

  test("the sign-in page and the 404 page have no serious or critical accessibility violation", async ({ page }) => {
    await page.goto("/login");
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await expectAccessible(page, "/login (signed out)");
    await page.goto("/no-such-page");
    await expectAccessible(page, "404 (signed out)");
  });
});
