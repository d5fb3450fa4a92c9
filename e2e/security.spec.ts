import { ADMIN, expect, test } from "./fixtures";
import { runSql } from "./database";
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
    // The WAF's runtime is the edge: the row says what it observed of it (stopped when no site is
    // enabled, else what the served generation does), never that the switch protects something by itself.
    await expect(card(page, "waf").getByTestId("runtime-row")).toContainText(/The edge is (stopped|running)/);
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
    // While the toggle is in flight the switch already shows the requested position: wait for the
    // server's answer (the card shows the committed version) before reading the stored intent.
    // Reading at once raced the commit (seen on PostgreSQL: the status still said the old value).
    await expect(card(page, "waf").getByTestId("intent-version")).toContainText(`version ${before.version + 2}`);
    await expect(page.getByRole("switch", { name: "WAF" })).toHaveAttribute("aria-busy", "false");
    const final = (await readStatus(page)).intent.waf!;
    expect(final.enabled).toBe(before.enabled);
    expect(final.version).toBe(before.version + 2);
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
    await rate.getByLabel("Rate", { exact: true }).fill("0");
    await rate.getByRole("button", { name: "Save settings" }).click();
    await expect(rate.getByText("Rate must be between 1 and 100000")).toBeVisible();
    await rate.getByLabel("Rate", { exact: true }).fill("100001");
    await rate.getByRole("button", { name: "Save settings" }).click();
    await expect(rate.getByText("Rate must be between 1 and 100000")).toBeVisible();

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
    // Three different paranoia levels (1–4): the second tab's edit must differ from what it loaded.
    const [firstValue, secondValue] = [1, 2, 3, 4].filter((level) => level !== start);

    // A realistic race: the second tab starts editing before the first tab saves.
    await card(second, "waf").getByLabel("Paranoia level").fill(String(secondValue));
    await card(first, "waf").getByLabel("Paranoia level").fill(String(firstValue));
    await card(first, "waf").getByRole("button", { name: "Save settings" }).click();
    await expect(card(first, "waf").getByTestId("intent-settings")).toContainText(`Paranoia level: ${firstValue}`);

    // The second tab's poll brings the new version: the intent row follows it, the unsaved edit is
    // kept (not wiped by a remount) and the admin is told that saving will ask for a review.
    await expect(card(second, "waf").getByTestId("intent-settings")).toContainText(`Paranoia level: ${firstValue}`);
    await expect(card(second, "waf").getByTestId("form-overtaken")).toContainText(
      new RegExp(`WAF was changed by ${ADMIN.username} at \\d{1,2}:\\d{2}.*since you started editing`),
    );
    await expect(card(second, "waf").getByLabel("Paranoia level")).toHaveValue(String(secondValue));
    await snapshot(second, testInfo, "edit-overtaken-in-second-tab");

    // Saving sends the version the edit was based on: a conflict, not a silent overwrite.
    await card(second, "waf").getByRole("button", { name: "Save settings" }).click();
    const error = card(second, "waf").getByTestId("card-error");
    await expect(error).toContainText(new RegExp(`WAF was changed by ${ADMIN.username} at \\d{1,2}:\\d{2}`));
    await expect(error).toContainText("reloaded");
    // Reloaded: the form shows what the first tab stored, not the rejected value.
    await expect(card(second, "waf").getByLabel("Paranoia level")).toHaveValue(String(firstValue));
    await expect(card(second, "waf").getByTestId("form-overtaken")).toHaveCount(0);
    await snapshot(second, testInfo, "conflict-in-second-tab");
    expect((await readStatus(second)).intent.waf!.settings.paranoia).toBe(firstValue);

    // Rate limiting has its own version: the same tab can change it.
    const rateBefore = (await readStatus(second)).intent.rate_limit!;
    const burst = (rateBefore.settings.burst as number) === 20 ? 21 : 20;
    await card(second, "rate_limit").getByLabel("Burst").fill(String(burst));
    await card(second, "rate_limit").getByRole("button", { name: "Save settings" }).click();
    await expect(card(second, "rate_limit").getByTestId("intent-settings")).toContainText(`Burst: ${burst}`);
    await expect(card(second, "rate_limit").getByTestId("card-error")).toHaveCount(0);
    expect((await readStatus(second)).intent.rate_limit!.version).toBe(rateBefore.version + 1);
    // A form nobody is editing follows the stored values without a reload.
    await expect(card(first, "rate_limit").getByLabel("Burst")).toHaveValue(String(burst));
  });

  test("a refused toggle springs back to the stored intent and says why on the card", async ({ context }, testInfo) => {
    const editor = await context.newPage();
    const stale = await context.newPage();
    await editor.goto("/security");
    await stale.goto("/security");
    const before = (await readStatus(stale)).intent.waf!;
    const staleSwitch = stale.getByRole("switch", { name: "WAF" });
    await expect(staleSwitch).toHaveAttribute("aria-checked", String(before.enabled));

    // The stale tab keeps seeing the status as it is now until its click is sent (the poll would
    // otherwise catch up within a second): its switch holds the old version of WAF.
    const frozenStatus = await (await stale.request.get("/api/security/status")).text();
    let clickSent = false;
    stale.on("request", (request) => {
      if (request.method() === "POST" && request.headers()["next-action"]) clickSent = true;
    });
    await stale.route("**/api/security/status", (route) =>
      clickSent ? route.fallback() : route.fulfill({ status: 200, contentType: "application/json", body: frozenStatus }),
    );

    // Another tab changes WAF's settings (not its switch): a new version, the same on/off.
    const paranoia = (before.settings.paranoia as number) === 2 ? 3 : 2;
    await card(editor, "waf").getByLabel("Paranoia level").fill(String(paranoia));
    await card(editor, "waf").getByRole("button", { name: "Save settings" }).click();
    await expect(card(editor, "waf").getByTestId("intent-version")).toContainText(`version ${before.version + 1}`);

    await staleSwitch.click();
    const error = card(stale, "waf").getByTestId("card-error");
    await expect(error).toContainText(new RegExp(`WAF was changed by ${ADMIN.username}`));
    await expect(error).toHaveAttribute("role", "alert");
    // Back in the stored position (not the requested one), showing the latest version.
    await expect(staleSwitch).toHaveAttribute("aria-checked", String(before.enabled));
    await expect(staleSwitch).toHaveAttribute("aria-busy", "false");
    await expect(card(stale, "waf").getByTestId("intent-version")).toContainText(`version ${before.version + 1}`);
    await snapshot(stale, testInfo, "refused-toggle-springs-back");
    const after = (await readStatus(stale)).intent.waf!;
    expect(after.enabled).toBe(before.enabled);
    expect(after.version).toBe(before.version + 1);
  });

  test("the runtime row says what was observed of CrowdSec, in words", async ({ page }, testInfo) => {
    // The server's driver produces these states from a real agent; here the polled answer's CrowdSec
    // observation is replaced, so every state the card can show is rendered (and photographed)
    // whatever is installed on this machine.
    let crowdsec: Record<string, unknown> = {};
    await page.route("**/api/security/status", async (route) => {
      const response = await route.fetch();
      const status = await response.json();
      status.runtime.crowdsec = { protection: "crowdsec", observedAt: new Date().toISOString(), ...crowdsec };
      await route.fulfill({ response, json: status });
    });
    await page.goto("/security");
    const runtime = card(page, "crowdsec").getByTestId("runtime-row");

    crowdsec = {
      state: "running",
      summary: "CrowdSec agent is running; its LAPI answers.",
      pid: 4242,
      // Shortly before a minute: the uptime must tick over to "1m" on its own.
      startedAt: new Date(Date.now() - 52_000).toISOString(),
      details: { lapi: "ready", lapiUrl: "http://127.0.0.1:8080", version: "1.6.4" },
    };
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Running");
    await expect(runtime.getByTestId("runtime-pid")).toHaveText("4242");
    await expect(runtime.getByTestId("runtime-facts")).toContainText(/pid 4242 · up \d+s · LAPI ready · v1\.6\.4/);
    await expect(runtime.getByTestId("runtime-facts")).toContainText("pid 4242 · up 1m · LAPI ready · v1.6.4", { timeout: 15_000 });
    await snapshot(page, testInfo, "crowdsec-running");

    crowdsec = {
      state: "failed",
      summary: "CrowdSec agent exited 5 times within a minute; Warden stopped restarting it.",
      details: { selfHeal: "gave up after 5 attempts" },
      logTail: ['time=… level=info msg="Loading config"', 'time=… level=fatal msg="listen tcp 127.0.0.1:8080: bind: address already in use"'],
    };
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Failed");
    await expect(runtime.getByTestId("runtime-pid")).toHaveCount(0);
    await expect(runtime.getByTestId("runtime-facts")).toHaveText("self-heal gave up after 5 attempts");
    await expect(runtime).toContainText("Warden stopped restarting it");
    await expect(runtime.getByTestId("runtime-log")).toContainText("bind: address already in use");
    await snapshot(page, testInfo, "crowdsec-failed");

    crowdsec = {
      state: "external",
      summary: "External LAPI at http://10.0.0.5:8080 does not answer.",
      details: { lapi: "unreachable", lapiUrl: "http://10.0.0.5:8080" },
    };
    await expect(runtime.getByTestId("runtime-state")).toHaveText("External");
    await expect(runtime.getByTestId("runtime-facts")).toHaveText("LAPI unreachable · http://10.0.0.5:8080");
    await expect(runtime.getByTestId("runtime-log")).toHaveCount(0);

    crowdsec = { state: "not_installed", summary: "CrowdSec is not installed on this machine: cscli was not found. Install it with the crowdsec package." };
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Not installed");
    await expect(runtime).toContainText("Install it with the crowdsec package.");
    await expect(runtime.getByTestId("runtime-facts")).toHaveCount(0);
    await snapshot(page, testInfo, "crowdsec-not-installed");

    crowdsec = { state: "stopped", reconciling: true, summary: "CrowdSec agent is stopped." };
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Reconciling…");
    await expect(runtime).toContainText("last observed: Stopped");
    // A status poll still in the handler when the test ends would see its response disposed with the page.
    await page.unrouteAll({ behavior: "wait" });
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
    // Labels, not code keys.
    await expect(newest).toContainText(`Enabled: ${before.enabled ? "on" : "off"} → ${before.enabled ? "off" : "on"}`);
    await expect(newest).toContainText("committed");
    // The runtime's answer is its own audit row, shown on the change's line (one line per change).
    // Its runtime is the edge, driven to the intent before the switch settled.
    await expect(newest.getByTestId("audit-runtime")).toHaveText(/^Runtime: applied in \d+ ms$/);
    await expect(page.getByTestId("audit-row").filter({ hasText: "runtime_result" })).toHaveCount(0);
    await expect(page.getByTestId("audit-page")).toContainText("Page 1 of");
    await snapshot(page, testInfo, "audit-tab");

    // Deep link to the tab survives a reload.
    await page.reload();
    await expect(page.getByRole("tab", { name: "Audit" })).toHaveAttribute("aria-selected", "true");

    // Rate limiting as it was: later specs send traffic through the edge from this address.
    await page.goto("/security");
    await page.getByRole("switch", { name: "Rate limiting" }).click();
    await expect(page.getByRole("switch", { name: "Rate limiting" })).toHaveAttribute("aria-checked", String(before.enabled));
    await expect(page.getByRole("switch", { name: "Rate limiting" })).toHaveAttribute("aria-busy", "false");
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

test.describe("tabs and the address bar", () => {
  test("the tab lives in the URL both ways: sidebar links select it, a tab click is a history entry, Back returns", async ({ page }, testInfo) => {
    await page.goto("/security");
    const nav = page.getByRole("navigation", { name: "Main" });
    // A tab's name may carry its drift dot's text ("AppSec drift detected").
    const tab = (name: string) => page.getByRole("tab", { name: new RegExp(`^${name}`) });
    await expect(tab("Overview")).toHaveAttribute("aria-selected", "true");
    await expect(nav.getByRole("link", { name: "Security" })).toHaveAttribute("aria-current", "page");

    await nav.getByRole("link", { name: "Audit" }).click();
    await expect(page).toHaveURL(/\/security\?tab=audit$/);
    await expect(tab("Audit")).toHaveAttribute("aria-selected", "true");
    await expect(nav.getByRole("link", { name: "Audit" })).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link", { name: "Security" })).not.toHaveAttribute("aria-current", "page");

    await nav.getByRole("link", { name: "Security" }).click();
    await expect(page).toHaveURL(/\/security$/);
    await expect(tab("Overview")).toHaveAttribute("aria-selected", "true");

    await tab("Scenarios").click();
    await expect(page).toHaveURL(/\?tab=scenarios$/);
    await tab("AppSec").click();
    await expect(page).toHaveURL(/\?tab=appsec$/);
    await page.goBack();
    await expect(page).toHaveURL(/\?tab=scenarios$/);
    await expect(tab("Scenarios")).toHaveAttribute("aria-selected", "true");
    await page.goBack();
    await expect(tab("Overview")).toHaveAttribute("aria-selected", "true");
    await page.goForward();
    await expect(tab("Scenarios")).toHaveAttribute("aria-selected", "true");
    await snapshot(page, testInfo, "tabs-after-history");

    await page.goto("/account");
    await expect(nav.getByRole("link", { name: "Account" })).toHaveAttribute("aria-current", "page");
  });

  test("when every poll fails, the view says it is stale once, naming what could not be refreshed", async ({ page }, testInfo) => {
    await page.goto("/security");
    await expect(page.getByRole("switch", { name: "WAF" })).toBeVisible();
    await page.route("**/api/security/**", (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "SCHEMA_DEGRADED", message: "down for the test" } }),
      }),
    );
    const notice = page.getByTestId("stale-notice");
    await expect(notice).toContainText("security status", { timeout: 15_000 });
    await expect(notice).toContainText("drift status", { timeout: 20_000 });
    await expect(page.getByText(/stale since/i)).toHaveCount(1);
    // The last good data stays on screen.
    await expect(page.getByRole("switch", { name: "WAF" })).toBeVisible();
    await snapshot(page, testInfo, "stale-once");
    await page.unroute("**/api/security/**");
  });
});

test("store drift says the two stored copies disagree (not the runtime) and 'Rewrite the mirror from the config' mends it, audited", async ({
  page,
}, testInfo) => {
  await page.goto("/security");
  const status = await readStatus(page);
  const stored = status.intent.rate_limit!.enabled;
  // An operator (or an old tool) edits the settings mirror behind the panel's back.
  await runSql("panel", `UPDATE "settings" SET "value" = '${String(!stored)}' WHERE "key" = 'security.rate_limit.enabled'`);
  // Any commit makes the detector look at the store at once (otherwise its ticker would, within a minute).
  const waf = page.getByRole("switch", { name: "WAF" });
  const wafOn = (await readStatus(page)).intent.waf!.enabled;
  await waf.click();
  await expect(waf).toHaveAttribute("aria-checked", String(!wafOn));
  await expect(waf).toHaveAttribute("aria-busy", "false");

  const banner = page.getByTestId("drift-banner");
  await expect(banner).toContainText("The two stored copies of the security settings disagree", { timeout: 15_000 });
  // Worded as what it is, not as the runtime (other surfaces may drift too: they are not this test's).
  await expect(banner.getByTestId("drift-surface-store")).toContainText("security.rate_limit.enabled");
  await expect(banner.getByTestId("drift-surface-store")).not.toContainText("runtime");
  await snapshot(page, testInfo, "store-drift");
  await banner.getByTestId("drift-repair-mirror").click();
  // The store surface is mended (the banner itself goes too unless another surface drifts: not this test's).
  await expect(page.getByTestId("drift-surface-store")).toHaveCount(0, { timeout: 15_000 });
  expect((await (await page.request.get("/api/security/drift")).json()).surfaces.store.verdict).toBe("in_sync");

  await page.goto("/security?tab=audit");
  await expect(page.getByTestId("audit-row").first()).toContainText("mirror rewritten from the config");
  // Put the WAF back.
  await page.goto("/security");
  await page.getByRole("switch", { name: "WAF" }).click();
  await expect(page.getByRole("switch", { name: "WAF" })).toHaveAttribute("aria-checked", String(wafOn));
});
