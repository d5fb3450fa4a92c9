import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import type { DriftReport, Surface } from "../lib/drift/drift-report";
import { agentsUnder, PANEL_CROWDSEC, stopAgents } from "./crowdsec-agents";
import { expect, test } from "./fixtures";
import { card, readStatus, snapshot } from "./helpers";

// A 12-step drift smoke test, as one browser test on the "panel" server, without fixed waits: the
// detector reacts to an intent commit and to a file in the runtime's scenario directory within about
// a second, and the page polls its snapshot (10 s, 1 s right after a change made on it). Phases: scenario intent → drift → Apply → in sync; WAF threshold intent →
// drift → Apply → in sync; a hand edit on disk → drift → Apply → in sync. The server is left as it
// was found: the scenario enabled, the WAF threshold restored and applied, CrowdSec off.

const INSTANCE_DIR = path.resolve(process.cwd(), PANEL_CROWDSEC.instanceDir);
// playwright.config.ts gives the panel WARDEN_DATA_DIR=./data/e2e-panel and no WARDEN_WAF_TUNING_FILE.
const TUNING_FILE = path.resolve(process.cwd(), "data/e2e-panel/waf/crs-tuning.conf");
const SCENARIO = "crowdsecurity/ssh-bf";
const SCENARIO_LINK = path.join(INSTANCE_DIR, "etc", "scenarios", "ssh-bf.yaml");
const SCENARIO_HUB_FILE = path.join(INSTANCE_DIR, "hub", "scenarios", "crowdsecurity", "ssh-bf.yaml");
/** The page polls every 10 s when nothing was changed on it; one poll plus the request. */
const POLL_WAIT = { timeout: 12_000 };
/** A change made on the page: the detector re-checks on the commit, the page polls fast. */
const CHANGE_WAIT = { timeout: 10_000 };

async function driftReport(page: Page): Promise<DriftReport> {
  const response = await page.request.get("/api/security/drift");
  expect(response.ok(), `GET /api/security/drift: ${response.status()}`).toBe(true);
  return (await response.json()) as DriftReport;
}

const verdict = async (page: Page, surface: Surface) => (await driftReport(page)).surfaces[surface].verdict;

function linkExists(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function fileInboundThreshold(): number {
  const match = /tx\.inbound_anomaly_score_threshold=(\d+)/.exec(readFileSync(TUNING_FILE, "utf8"));
  expect(match, `${TUNING_FILE} sets tx.inbound_anomaly_score_threshold`).not.toBeNull();
  return Number(match![1]);
}

async function switchCrowdsec(page: Page, on: boolean): Promise<void> {
  await page.getByRole("tab", { name: "Overview" }).click();
  const toggle = page.getByRole("switch", { name: "CrowdSec" });
  await expect(toggle).toHaveAttribute("aria-busy", "false", { timeout: 20_000 });
  if ((await toggle.getAttribute("aria-checked")) !== String(on)) await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", String(on), { timeout: 20_000 });
  await expect(card(page, "crowdsec").getByTestId("runtime-state")).toHaveText(on ? "Running" : "Stopped", { timeout: 20_000 });
}

/** The Scenarios tab's switch for `name` (author/stem), after searching for its stem. */
async function scenarioSwitch(page: Page, name = SCENARIO) {
  const stem = name.split("/")[1]!;
  await page.getByRole("tab", { name: "Scenarios" }).click();
  await page.getByLabel("Search scenarios").fill(stem);
  await expect(page.getByTestId("scenario-counts")).toContainText(`match “${stem}”`);
  return page.getByRole("switch", { name, exact: true });
}

async function setScenario(page: Page, enabled: boolean): Promise<void> {
  const toggle = await scenarioSwitch(page);
  if ((await toggle.getAttribute("aria-checked")) !== String(enabled)) await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", String(enabled));
  await expect(toggle).toHaveAttribute("aria-busy", "false");
}

async function setInboundThreshold(page: Page, value: number): Promise<void> {
  await page.getByRole("tab", { name: "Overview" }).click();
  const waf = card(page, "waf");
  await waf.getByLabel("Inbound anomaly threshold").fill(String(value));
  await waf.getByRole("button", { name: "Save settings" }).click();
  await expect(waf.getByTestId("intent-settings")).toContainText(`Inbound anomaly threshold: ${value.toLocaleString("en")}`);
}

async function applyToRuntime(page: Page) {
  await page.getByTestId("drift-apply").click();
  const result = page.getByTestId("drift-apply-result");
  await expect(result).toBeVisible({ timeout: 30_000 });
  return result;
}

test.describe("drift: intent against the runtime", () => {
  let originalInbound: number | null = null;

  // Whatever happened, leave CrowdSec off and no agent of the panel's instance running. When the
  // test failed half-way, also put the scenario and the WAF threshold back and apply them.
  test.afterEach(async ({ newContext }, testInfo) => {
    const page = await (await newContext()).newPage();
    await page.goto("/security");
    if (testInfo.status !== testInfo.expectedStatus && existsSync(path.join(INSTANCE_DIR, "etc"))) {
      await setScenario(page, true).catch(() => undefined);
      if (originalInbound !== null) await setInboundThreshold(page, originalInbound).catch(() => undefined);
      if (await page.getByTestId("drift-apply").isVisible()) await applyToRuntime(page).catch(() => undefined);
    }
    await switchCrowdsec(page, false);
    const left = agentsUnder(INSTANCE_DIR);
    if (left.length) await stopAgents(left, 8_000);
    expect(agentsUnder(INSTANCE_DIR), "no agent of the panel's instance is left running").toEqual([]);
    await page.close();
  });

  test("a scenario switched off and hand edits on disk (a link, the tuning file) each show as drift, a saved WAF threshold does not, and Apply to runtime clears it", async ({
    page,
  }, testInfo) => {
    test.setTimeout(180_000);
    await page.goto("/security");
    originalInbound = (await readStatus(page)).intent.waf!.settings.inboundThreshold as number;

    // Before CrowdSec was ever enabled the managed instance does not exist. Whatever the detector
    // says of that (a fresh install wanting nothing is in sync; a missing instance that is wanted
    // cannot be verified), the page says the same, never green for something unobserved.
    const initial = (await driftReport(page)).surfaces.scenarios;
    if (initial.verdict === "cannot_verify") {
      await expect(page.getByTestId("drift-surface-scenarios")).toContainText(`cannot verify: ${initial.reason}`);
      await expect(page.getByTestId("drift-dot-scenarios")).toContainText("cannot verify");
      await expect(page.getByTestId("drift-pill")).toContainText(/cannot verify|drifted/);
    } else if (initial.verdict === "in_sync") {
      await expect(page.getByTestId("drift-surface-scenarios")).toHaveCount(0);
      await expect(page.getByTestId("drift-dot-scenarios")).toHaveCount(0);
    }
    await snapshot(page, testInfo, "drift-before-crowdsec");

    // 1. CrowdSec on: the instance is created, the agent runs, and the runtime's enabled scenarios
    //    become the intent (first init), so the scenarios surface is in sync.
    await switchCrowdsec(page, true);
    await expect.poll(() => verdict(page, "scenarios"), { message: "scenarios in sync after first init", ...CHANGE_WAIT }).toBe("in_sync");
    await expect(page.getByTestId("engine-pill")).toContainText("running");
    expect(linkExists(SCENARIO_LINK), `${SCENARIO_LINK} is enabled on disk`).toBe(true);

    // 2. Scenarios tab: the scenario is enabled on disk and wanted; switch it off (intent only).
    const toggle = await scenarioSwitch(page);
    const row = page.getByTestId(`scenario-row-${SCENARIO}`);
    await expect(row.getByTestId("scenario-runtime")).toHaveText("enabled on disk");
    await expect(toggle).toHaveAttribute("aria-checked", "true");
    await expect(page.getByText("Switches change the panel's intent only; the runtime follows when you press Apply to runtime.")).toBeVisible();
    let t0 = Date.now();
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-checked", "false");
    await expect(row.getByTestId("scenario-drift")).toHaveText("differs");
    expect(linkExists(SCENARIO_LINK), "a switch changes the intent only: the link is still there").toBe(true);

    // 3. The banner lists it and the Scenarios tab has its dot, within seconds (the commit re-checks).
    const scenariosItem = page.getByTestId("drift-surface-scenarios");
    await expect(scenariosItem).toContainText(`scenario ${SCENARIO} — panel: disabled, runtime: enabled`, CHANGE_WAIT);
    testInfo.annotations.push({ type: "scenario switch → banner", description: `${Date.now() - t0} ms` });
    await expect(scenariosItem).toContainText("since");
    await expect(scenariosItem).toContainText("last checked");
    await expect(page.getByTestId("drift-dot-scenarios")).toContainText("drift detected");
    await expect(page.getByTestId("drift-banner").getByRole("alert")).toContainText("Configuration drift detected");
    await expect(page.getByTestId("drift-pill")).toContainText(/surfaces? drifted/);
    await snapshot(page, testInfo, "drift-scenario-switched-off");

    // 4. The WAF inbound threshold changed in the WAF card: the engine renders the tuning file at once,
    //    so the panel's own change is never drift. Then someone edits the file by hand: that is drift.
    const before = fileInboundThreshold();
    const wanted = [before + 7, before + 8].find((v) => v !== originalInbound)!;
    t0 = Date.now();
    await setInboundThreshold(page, wanted);
    expect(fileInboundThreshold(), "saving a WAF setting renders the tuning file").toBe(wanted);
    await expect.poll(() => verdict(page, "appsec"), { message: "the panel's own change is not drift", ...CHANGE_WAIT }).toBe("in_sync");
    const onDisk = wanted + 1;
    writeFileSync(TUNING_FILE, readFileSync(TUNING_FILE, "utf8").replace(/inbound_anomaly_score_threshold=\d+/, `inbound_anomaly_score_threshold=${onDisk}`));
    const appsecItem = page.getByTestId("drift-surface-appsec");
    await expect(appsecItem).toContainText(`inbound threshold — panel ${wanted}, runtime ${onDisk}`, POLL_WAIT);
    testInfo.annotations.push({ type: "tuning file edited by hand → banner", description: `${Date.now() - t0} ms` });
    await expect(page.getByTestId("drift-dot-appsec")).toContainText("drift detected");
    await expect(scenariosItem).toBeVisible();
    await snapshot(page, testInfo, "drift-two-surfaces");
    await page.setViewportSize({ width: 390, height: 844 });
    await snapshot(page, testInfo, "drift-two-surfaces-390px");
    await page.setViewportSize({ width: 1280, height: 900 });

    // The AppSec tab: intent beside the file, the path, and what the file is (not a running WAF).
    await page.getByRole("tab", { name: "AppSec" }).click();
    await expect(page).toHaveURL(/[?&]tab=appsec/);
    const inboundRow = page.getByTestId("appsec-row-inbound");
    await expect(inboundRow).toContainText(String(wanted));
    await expect(inboundRow).toContainText(String(onDisk));
    await expect(inboundRow).toContainText("differs");
    await expect(page.getByText(TUNING_FILE)).toBeVisible();
    await expect(page.getByTestId("appsec-honesty")).toContainText("Warden checks the file, not a WAF process.");
    await expect(page.getByTestId("edge-panel")).toContainText("in sync");
    await snapshot(page, testInfo, "drift-appsec-tab");

    // 5. Apply to runtime: the link goes, the file gets the threshold, the agent reloads, and the
    //    banner and both dots clear once the detector sees the runtime match.
    let result = await applyToRuntime(page);
    await expect(result).toContainText(`Disabled 1 scenario: ${SCENARIO}.`);
    await expect(result).toContainText("WAF tuning file written");
    await expect(result).toContainText(/CrowdSec reloaded in \d+ ms/);
    testInfo.annotations.push({ type: "apply result", description: (await result.innerText()).replace(/\s+/g, " ").slice(0, 400) });
    await expect(page.getByTestId("drift-banner")).toHaveCount(0, CHANGE_WAIT);
    await expect(result).toContainText("the runtime now matches the panel's intent");
    await expect(page.getByTestId("drift-dot-scenarios")).toHaveCount(0);
    await expect(page.getByTestId("drift-dot-appsec")).toHaveCount(0);
    await expect(page.getByTestId("drift-pill")).toContainText("in sync");
    expect(linkExists(SCENARIO_LINK), `${SCENARIO_LINK} removed by Apply`).toBe(false);
    expect(fileInboundThreshold()).toBe(wanted);
    await expect(inboundRow).toContainText("same");
    await snapshot(page, testInfo, "drift-applied");

    // 6. Someone re-enables the scenario by hand on disk: the file watch sees it within ~2 s, the
    //    page on its next poll.
    symlinkSync(SCENARIO_HUB_FILE, SCENARIO_LINK);
    t0 = Date.now();
    await expect
      .poll(async () => (await driftReport(page)).surfaces.scenarios.differences, { message: "the detector sees the hand-made link", timeout: 3_000 })
      .toContainEqual({ item: `scenario ${SCENARIO}`, expected: "disabled", actual: "enabled" });
    testInfo.annotations.push({ type: "hand edit → detector", description: `${Date.now() - t0} ms` });
    await expect(scenariosItem).toContainText(`scenario ${SCENARIO} — panel: disabled, runtime: enabled`, POLL_WAIT);
    testInfo.annotations.push({ type: "hand edit → banner", description: `${Date.now() - t0} ms` });
    await expect(page.getByTestId("drift-dot-scenarios")).toBeVisible();
    // A new drift: the banner does not carry the earlier Apply's result.
    await expect(page.getByTestId("drift-apply-result")).toHaveCount(0);
    await snapshot(page, testInfo, "drift-hand-edit");

    // 7. Apply again: the link goes again.
    result = await applyToRuntime(page);
    await expect(result).toContainText(`Disabled 1 scenario: ${SCENARIO}.`);
    await expect(page.getByTestId("drift-banner")).toHaveCount(0, CHANGE_WAIT);
    expect(linkExists(SCENARIO_LINK)).toBe(false);

    // 8. Cleanup as an admin would: the scenario wanted again, the threshold back, applied.
    await setScenario(page, true);
    await setInboundThreshold(page, originalInbound);
    await expect(page.getByTestId("drift-surface-scenarios")).toContainText(`scenario ${SCENARIO} — panel: enabled, runtime: disabled`, CHANGE_WAIT);
    result = await applyToRuntime(page);
    await expect(result).toContainText(`Enabled 1 scenario: ${SCENARIO}.`);
    await expect(page.getByTestId("drift-banner")).toHaveCount(0, CHANGE_WAIT);
    expect(linkExists(SCENARIO_LINK), "Apply recreated the link").toBe(true);
    expect(fileInboundThreshold()).toBe(originalInbound);
  });

  test("a scenario switch from a stale tab gets a conflict, says who changed it, and shows the stored intent", async ({ page, newContext }, testInfo) => {
    test.setTimeout(90_000);
    const name = "crowdsecurity/ssh-slow-bf";
    await page.goto("/security");
    // The scenarios are read from the managed instance: create it once if no test did yet.
    if (!existsSync(path.join(INSTANCE_DIR, "etc"))) {
      await switchCrowdsec(page, true);
      await switchCrowdsec(page, false);
    }
    await expect.poll(() => verdict(page, "scenarios"), CHANGE_WAIT).toBe("in_sync");

    // The second tab loads the list, then stops getting fresh lists (its polls fail: it goes stale).
    const stale = await (await newContext()).newPage();
    await stale.goto("/security?tab=scenarios");
    const staleSwitch = await scenarioSwitch(stale, name);
    await expect(staleSwitch).toHaveAttribute("aria-checked", "true");
    await stale.route("**/api/security/scenarios**", (route) => route.abort());

    // The first tab switches it off.
    const fresh = await scenarioSwitch(page, name);
    await fresh.click();
    await expect(fresh).toHaveAttribute("aria-checked", "false");

    // The stale tab still shows it on; its click is refused with who changed it.
    await expect(staleSwitch).toHaveAttribute("aria-checked", "true");
    await staleSwitch.click();
    const row = stale.getByTestId(`scenario-row-${name}`);
    await expect(row.getByRole("alert")).toContainText(`${name} was changed by e2e-admin`);
    // Its list could not be re-read: said, with the last good list kept on screen.
    await expect(stale.getByText(/^Stale since /)).toBeVisible();
    await snapshot(stale, testInfo, "scenario-conflict-stale-tab");
    // Once it can read again, it shows the stored intent: off, not what the stale click asked.
    await stale.unroute("**/api/security/scenarios**");
    await stale.getByLabel("Search scenarios").fill("slow-bf");
    await expect(stale.getByRole("switch", { name, exact: true })).toHaveAttribute("aria-checked", "false");
    await stale.close();

    // Put it back (intent only: it never left the disk).
    await fresh.click();
    await expect(fresh).toHaveAttribute("aria-checked", "true");
    await expect.poll(() => verdict(page, "scenarios"), CHANGE_WAIT).toBe("in_sync");
  });
});
