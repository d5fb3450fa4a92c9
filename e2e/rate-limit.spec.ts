import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { edgePorts } from "./edge-instances";
import { card, snapshot } from "./helpers";

// Rate limiting end to end: set on the Security page's card, a site added and switched off for it on
// the Sites page, and the verdict read from outside: what a burst of requests through the panel's real
// edge gets. The burst comes from its own loopback address (127.0.0.6), so the limit it meets is its own.

const EDGE = { host: "127.0.0.1", port: edgePorts(1).listenPort };
const BURST_FROM = "127.0.0.6";
const CHANGE_WAIT = { timeout: 15_000 };
const DEFAULTS = { rate: "100", unit: "minute", burst: "10", excess: "reject" };

interface Upstream {
  url: string;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("upstream ok\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** One request through the edge from `from`, on a fresh connection: its status. */
function viaEdge(host: string, target: string, from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...EDGE, localAddress: from, path: target, agent: false, headers: { host, "user-agent": "warden-e2e" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

/** `n` requests one after another: their statuses and how long they took. */
async function burst(host: string, n: number): Promise<{ statuses: number[]; ms: number }> {
  const t0 = performance.now();
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push(await viaEdge(host, `/burst-${i}`, BURST_FROM));
  return { statuses, ms: performance.now() - t0 };
}

/** The rate limiting card's settings, saved, then its switch: as an admin does it. */
async function setRateLimit(page: Page, settings: typeof DEFAULTS, on: boolean): Promise<void> {
  await page.goto("/security");
  const rate = card(page, "rate_limit");
  await rate.getByLabel("Rate", { exact: true }).fill(settings.rate);
  await rate.getByLabel("Per", { exact: true }).selectOption(settings.unit);
  await rate.getByLabel("Burst").fill(settings.burst);
  await rate.getByLabel("Excess").selectOption(settings.excess);
  const expected = `Rate: ${settings.rate} · Per: ${settings.unit} · Burst: ${settings.burst} · Excess: ${settings.excess}`;
  if (!((await rate.getByTestId("intent-settings").textContent()) ?? "").includes(expected)) {
    await rate.getByRole("button", { name: "Save settings" }).click();
    await expect(rate.getByTestId("intent-settings")).toContainText(expected, CHANGE_WAIT);
  }
  const toggle = page.getByRole("switch", { name: "Rate limiting" });
  await expect(toggle).toHaveAttribute("aria-busy", "false");
  if ((await toggle.getAttribute("aria-checked")) !== String(on)) await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", String(on), CHANGE_WAIT);
  await expect(toggle).toHaveAttribute("aria-busy", "false", CHANGE_WAIT);
}

const unique = () => `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test.describe("rate limiting at the edge", () => {
  let upstream: Upstream;
  let host: string;

  test.beforeEach(async ({ page }) => {
    upstream = await startUpstream();
    host = `${unique()}.example`;
    await page.goto("/sites");
    await page.getByRole("button", { name: "Add a site" }).click();
    await page.getByLabel("Host names").fill(host);
    await page.getByLabel("Upstream", { exact: true }).fill(upstream.url);
    await expect(page.getByLabel("Rate limiting")).toHaveValue("inherit");
    await page.getByRole("button", { name: "Add site" }).click();
    await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toHaveCount(1, CHANGE_WAIT);
  });

  // Rate limiting off at its defaults and no site of this test left behind, whatever happened: later
  // specs send requests through the edge.
  test.afterEach(async ({ page }) => {
    await setRateLimit(page, DEFAULTS, false);
    await page.goto("/sites");
    const row = page.locator(`[data-testid=site-row][data-host="${host}"]`);
    if ((await row.count()) > 0) {
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: `Remove ${host}` }).click();
      await expect(row).toHaveCount(0, CHANGE_WAIT);
    }
    await upstream.close();
  });

  test("5 per second, burst 2 → a burst gets 429 past rate + burst and the card says limiting; the site switched off for it → no 429", async ({
    page,
  }, testInfo) => {
    expect((await burst(host, 12)).statuses).toEqual(Array(12).fill(200));

    await setRateLimit(page, { rate: "5", unit: "second", burst: "2", excess: "reject" }, true);
    const limited = await burst(host, 12);
    // The first request and the burst of 2 pass at once; past them 429 (one more per 200 ms the burst took).
    expect(limited.statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(limited.statuses).toContain(429);
    expect(limited.statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(3 + Math.ceil((limited.ms * 5) / 1000));
    const runtime = card(page, "rate_limit").getByTestId("runtime-row");
    await expect(runtime).toContainText(/Limiting on \d+ sites? \(5 per second, burst 2, excess refused\)/, CHANGE_WAIT);
    await snapshot(page, testInfo, "rate-limit-enforcing");

    // Verify: the probe's burst (from 127.0.0.4) is refused too; the card says it was seen.
    const panel = page.getByTestId("verify-panel");
    await panel.getByRole("button", { name: "Verify now" }).click();
    const verified = panel.locator(`[data-testid=verify-site][data-host="${host}"]`);
    await expect(verified).toContainText(/429 after \d+ requests/, CHANGE_WAIT);
    await expect(runtime).toContainText(/verified enforcing/, CHANGE_WAIT);

    // Off for this site, on the Sites page: the same address is never refused there.
    await page.goto("/sites");
    await page.getByRole("button", { name: `Edit ${host}` }).click();
    await page.getByLabel("Rate limiting").selectOption("off");
    await page.getByRole("button", { name: "Save site" }).click();
    const row = page.locator(`[data-testid=site-row][data-host="${host}"]`);
    await expect(row).toContainText("off for this site", CHANGE_WAIT);
    await snapshot(page, testInfo, "site-rate-limit-off");
    expect((await burst(host, 12)).statuses).toEqual(Array(12).fill(200));
  });
});
