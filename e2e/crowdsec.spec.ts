import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";
import type { Page } from "@playwright/test";
import type { DriftReport } from "../lib/drift/drift-report";
import { expect, test } from "./fixtures";
import { card, snapshot } from "./helpers";
import { agentConfig, agentsUnder, isRunning, PANEL_CROWDSEC, stopAgents } from "./crowdsec-agents";

// CrowdSec with a real agent, on the "panel" server (playwright.config.ts gives it an instance in
// data/e2e-panel/crowdsec on LAPI port 18380, self-heal off). The tests look at the card and check
// the process behind it from Node through /proc. Every test leaves CrowdSec off and no agent
// running (afterEach), because the other specs share this server.

const INSTANCE_DIR = path.resolve(process.cwd(), PANEL_CROWDSEC.instanceDir);

interface CrowdsecStatus {
  intent: { enabled: boolean; version: number };
  runtime: { state: string; pid?: number; summary: string };
}

async function crowdsecStatus(page: Page): Promise<CrowdsecStatus> {
  const response = await page.request.get("/api/security/status");
  expect(response.ok(), `GET /api/security/status: ${response.status()}`).toBe(true);
  const body = (await response.json()) as { intent: { crowdsec: CrowdsecStatus["intent"] }; runtime: { crowdsec: CrowdsecStatus["runtime"] } };
  return { intent: body.intent.crowdsec, runtime: body.runtime.crowdsec };
}

/** Switches CrowdSec on from the card and waits for the agent to be Running; returns its pid. */
async function switchOn(page: Page): Promise<number> {
  const crowdsec = card(page, "crowdsec");
  const toggle = page.getByRole("switch", { name: "CrowdSec" });
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await toggle.click();
  // The first start creates the instance (hub copy, machine registration) before the agent loads.
  await expect(crowdsec.getByTestId("runtime-state")).toHaveText("Running", { timeout: 20_000 });
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await expect(toggle).toHaveAttribute("aria-busy", "false");
  const pid = Number(await crowdsec.getByTestId("runtime-pid").textContent());
  expect(Number.isInteger(pid) && pid > 1, `runtime-pid is a pid: ${pid}`).toBe(true);
  return pid;
}

/** Takes a loopback port the way another program would; resolves once it is listening. */
function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

test.describe("CrowdSec agent", () => {
  // Clean up whatever a test left: the intent off (through the card, as an admin would) and no agent
  // of this instance alive (SIGTERM, then SIGKILL).
  test.afterEach(async ({ newContext }) => {
    const page = await (await newContext()).newPage();
    await page.goto("/security");
    const toggle = page.getByRole("switch", { name: "CrowdSec" });
    await expect(toggle).toHaveAttribute("aria-busy", "false", { timeout: 20_000 });
    if ((await crowdsecStatus(page)).intent.enabled) {
      await toggle.click();
      await expect(toggle).toHaveAttribute("aria-checked", "false", { timeout: 20_000 });
    }
    const left = agentsUnder(INSTANCE_DIR);
    if (left.length) await stopAgents(left, 8_000);
    expect(agentsUnder(INSTANCE_DIR), "no agent of the panel's instance is left running").toEqual([]);
    expect((await crowdsecStatus(page)).intent.enabled).toBe(false);
    await page.close();
  });

  test("switched on, a real crowdsec agent runs with the instance's config (no drift flashes while it starts); switched off, it is gone", async ({
    page,
  }, testInfo) => {
    await page.goto("/security");
    const crowdsec = card(page, "crowdsec");
    // Watch for the drift banner from before the click: a runtime being started is settling, not drift.
    await page.evaluate(() => {
      const w = window as unknown as { __driftBannerSeen?: boolean };
      w.__driftBannerSeen = document.querySelector('[data-testid="drift-banner"]') !== null;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="drift-banner"]')) w.__driftBannerSeen = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    // And every drift snapshot the page is sent, from the click on.
    const snapshots: DriftReport[] = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/api/security/drift" && response.ok())
        void response.json().then(
          (report: DriftReport) => snapshots.push(report),
          () => undefined,
        );
    });
    const pid = await switchOn(page);
    // Watched until the page has a snapshot of the engine checked after it showed Running.
    const runningAt = Date.now();
    await expect
      .poll(() => snapshots.some((s) => Date.parse(s.surfaces.engine.checkedAt) >= runningAt), {
        message: "a drift snapshot checked after the agent was running",
        timeout: 20_000,
      })
      .toBe(true);
    expect(
      snapshots.filter((s) => s.drift || s.cannotVerify),
      "a drift snapshot sent during the start showed drift",
    ).toEqual([]);
    const afterStart = snapshots.filter((s) => Date.parse(s.surfaces.engine.checkedAt) >= runningAt);
    expect(afterStart.map((s) => s.surfaces.engine.verdict)).toEqual(afterStart.map(() => "in_sync"));
    expect(
      await page.evaluate(() => (window as unknown as { __driftBannerSeen?: boolean }).__driftBannerSeen),
      "the drift banner appeared during the start",
    ).toBe(false);

    // The pid on the card is a crowdsec process running this instance's config (checked from Node).
    const config = agentConfig(pid);
    expect(config, `/proc/${pid}/cmdline is crowdsec -c <config>`).not.toBeNull();
    expect(config!.startsWith(INSTANCE_DIR + path.sep), `${config} lies in ${INSTANCE_DIR}`).toBe(true);
    expect(
      agentsUnder(INSTANCE_DIR).map((a) => a.pid),
      "exactly one agent for the instance",
    ).toEqual([pid]);
    const status = await crowdsecStatus(page);
    expect(status.intent.enabled).toBe(true);
    expect(status.runtime).toMatchObject({ state: "running", pid });
    await expect(crowdsec.getByTestId("runtime-facts")).toContainText(`pid ${pid}`);
    await snapshot(page, testInfo, "crowdsec-running");

    await page.getByRole("switch", { name: "CrowdSec" }).click();
    await expect(crowdsec.getByTestId("runtime-state")).toHaveText("Stopped", { timeout: 15_000 });
    await expect(page.getByRole("switch", { name: "CrowdSec" })).toHaveAttribute("aria-checked", "false");
    await expect(crowdsec.getByTestId("runtime-pid")).toHaveCount(0);
    // Gone, not a zombie: /proc/<pid> no longer exists.
    await expect.poll(() => existsSync(`/proc/${pid}`), { message: `/proc/${pid} is gone`, timeout: 10_000 }).toBe(false);
    expect((await crowdsecStatus(page)).runtime.state).toBe("stopped");
    await snapshot(page, testInfo, "crowdsec-stopped");
  });

  test("a start that fails (its LAPI port is taken) springs back off, says why, and the intent is rolled back", async ({ page }, testInfo) => {
    const blocker = await occupy(PANEL_CROWDSEC.lapiPort);
    try {
      await page.goto("/security");
      const crowdsec = card(page, "crowdsec");
      const toggle = page.getByRole("switch", { name: "CrowdSec" });
      await expect(toggle).toHaveAttribute("aria-checked", "false");
      await toggle.click();

      const error = crowdsec.getByTestId("card-error");
      await expect(error).toContainText("CrowdSec could not be started:", { timeout: 20_000 });
      await expect(error).toContainText("rolled back");
      await expect(error).toHaveAttribute("role", "alert");
      // The reason: the port is in use (in the message or in the agent's log tail under it).
      await expect(error).toContainText(new RegExp(`address already in use|${PANEL_CROWDSEC.lapiPort}`, "i"));
      // The agent's last log lines, when it got as far as writing any.
      const logTail = crowdsec.getByTestId("card-error-log");
      if (await logTail.count()) await expect(logTail).not.toBeEmpty();
      testInfo.annotations.push({ type: "card error", description: (await error.innerText()).slice(0, 500) });
      await expect(toggle).toHaveAttribute("aria-checked", "false");
      await expect(toggle).toHaveAttribute("aria-busy", "false");
      await expect(crowdsec.getByTestId("runtime-state")).not.toHaveText(/Running|Starting/);
      await snapshot(page, testInfo, "crowdsec-start-failure");

      const status = await crowdsecStatus(page);
      expect(status.intent.enabled, "intent rolled back to off").toBe(false);
      expect(status.runtime.state).not.toBe("running");
      // The audit says so: the newest CrowdSec row is the rollback.
      const audit = await page.request.get("/api/security/audit?protection=crowdsec&pageSize=5");
      expect(audit.ok()).toBe(true);
      const entries = ((await audit.json()) as { entries: { action: string; outcome: string; error: string | null }[] }).entries;
      expect(entries[0], JSON.stringify(entries)).toMatchObject({ outcome: "rolled_back" });
      // No agent was left half-started.
      await expect.poll(() => agentsUnder(INSTANCE_DIR).length, { timeout: 10_000 }).toBe(0);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test("an agent killed from outside shows as not running within 3 s and stays dead (self-heal off)", async ({ page }, testInfo) => {
    await page.goto("/security");
    const crowdsec = card(page, "crowdsec");
    const pid = await switchOn(page);

    process.kill(pid, "SIGKILL");
    const killedAt = Date.now();
    await expect(crowdsec.getByTestId("runtime-state")).toHaveText(/^(Stopped|Failed)$/, { timeout: 3_000 });
    const seenAfterMs = Date.now() - killedAt;
    testInfo.annotations.push({ type: "dead agent shown after", description: `${seenAfterMs} ms` });
    await expect(crowdsec.getByTestId("runtime-pid")).toHaveCount(0);
    // The intent is untouched (drift, not a rollback): the switch still says on.
    await expect(page.getByRole("switch", { name: "CrowdSec" })).toHaveAttribute("aria-checked", "true");
    await snapshot(page, testInfo, "crowdsec-killed");

    // Self-heal is off on this server: the card says the supervisor saw the exit and leaves the agent
    // stopped (with self-heal on it would say "restarting"), and no new agent appears.
    await expect(crowdsec.getByTestId("runtime-facts")).toContainText("self-heal off: the agent stays stopped until someone acts");
    expect(isRunning(pid)).toBe(false);
    expect(agentsUnder(INSTANCE_DIR), "no agent restarted").toEqual([]);
    const status = await crowdsecStatus(page);
    expect(status.intent.enabled).toBe(true);
    expect(status.runtime.state).not.toBe("running");

    // An admin turns it off: the card agrees with the intent again.
    await page.getByRole("switch", { name: "CrowdSec" }).click();
    await expect(page.getByRole("switch", { name: "CrowdSec" })).toHaveAttribute("aria-checked", "false");
    await expect(crowdsec.getByTestId("runtime-state")).toHaveText("Stopped", { timeout: 15_000 });
  });
});
