import { execFileSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Page } from "@playwright/test";
import { agentsUnder, PANEL_CROWDSEC, stopAgents } from "./crowdsec-agents";
import { edgePorts } from "./edge-instances";
import { expect, test } from "./fixtures";
import { card, snapshot } from "./helpers";

// CrowdSec decisions at the edge, end to end on the "panel" server: a real CrowdSec agent (switched on
// from its card), the panel's real nginx edge in front of an upstream in this process, Chromium on the
// Decisions page. A ban from the page → the edge answers 403 to that address → unban → 200; a probing
// burst from its own loopback address → CrowdSec reads the edge's log, decides, the page lists the ban
// and the edge refuses the prober. Loopback sources 127.0.0.48 (ban) and 127.0.0.49 (prober) are this
// spec's own; every decision it made is deleted, CrowdSec is left off and the site removed.

const EDGE = { host: "127.0.0.1", port: edgePorts(1).listenPort };
const INSTANCE_DIR = path.resolve(process.cwd(), PANEL_CROWDSEC.instanceDir);
const WAIT = { timeout: 20_000 };
const BANNED = "127.0.0.48";
const PROBER = "127.0.0.49";

function viaEdge(host: string, target: string, from: string): Promise<{ status: number; ban: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { ...EDGE, localAddress: from, path: target, agent: false, headers: { host, "user-agent": "warden-e2e", accept: "*/*" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ban: res.headers["x-warden-block"] === "ban" }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Polls the edge from `from` until it answers `status` three times in a row (a reload's old workers answer a moment longer). */
async function untilEdge(host: string, from: string, status: number, timeout = 10_000): Promise<void> {
  let streak = 0;
  await expect
    .poll(
      async () => {
        const r = await viaEdge(host, "/", from);
        streak = r.status === status && (status !== 403 || r.ban) ? streak + 1 : 0;
        return streak >= 3;
      },
      { timeout, intervals: [20], message: `${from} gets ${status} through the edge` },
    )
    .toBe(true);
}

function cscli(...args: string[]): string {
  return execFileSync("/usr/bin/cscli", ["-c", path.join(INSTANCE_DIR, "etc", "config.yaml"), ...args, "--error"], { encoding: "utf8" });
}

async function setCrowdsec(page: Page, on: boolean): Promise<void> {
  await page.goto("/security");
  const toggle = page.getByRole("switch", { name: "CrowdSec" });
  await expect(toggle).toHaveAttribute("aria-busy", "false", WAIT);
  if ((await toggle.getAttribute("aria-checked")) !== String(on)) await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", String(on), WAIT);
  if (on) await expect(card(page, "crowdsec").getByTestId("runtime-state")).toHaveText("Running", WAIT);
}

test.describe.serial("CrowdSec decisions at the edge", () => {
  let upstream: http.Server;
  let upstreamUrl: string;
  const host = `dec${Date.now().toString(36)}.example`;

  test.beforeAll(async () => {
    // 404 for /nope/…: what a prober meets; 200 elsewhere.
    upstream = http.createServer((req, res) => {
      res.writeHead(req.url?.startsWith("/nope/") ? 404 : 200, { "content-type": "text/plain" });
      res.end("upstream\n");
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  test.afterAll(async ({ newContext }) => {
    try {
      cscli("decisions", "delete", "--all");
    } catch {
      /* the agent may be stopped already */
    }
    const page = await (await newContext()).newPage();
    await page.goto("/sites");
    if ((await page.locator(`[data-testid=site-row][data-host="${host}"]`).count()) > 0) {
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: `Remove ${host}` }).click();
      await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toHaveCount(0, WAIT);
    }
    await setCrowdsec(page, false);
    const left = agentsUnder(INSTANCE_DIR);
    if (left.length) await stopAgents(left, 8_000);
    await page.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  test("a ban from the Decisions page → 403 at the edge; unban → 200; the CrowdSec card says what the edge serves", async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await setCrowdsec(page, true);
    await page.goto("/sites");
    await page.getByRole("button", { name: "Add a site" }).click();
    await page.getByLabel("Host names").fill(host);
    await page.getByLabel("Upstream", { exact: true }).fill(upstreamUrl);
    await page.getByRole("button", { name: "Add site" }).click();
    await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toHaveCount(1, WAIT);
    expect((await viaEdge(host, "/", BANNED)).status).toBe(200);

    await page.goto("/decisions");
    const form = page.getByTestId("ban-form");
    await form.getByRole("button", { name: "Ban an address or range" }).click();
    await expect(page.getByTestId("ban-disabled")).toHaveCount(0);
    // Bad input: refused beside the field, nothing banned.
    await form.getByLabel("Address or range", { exact: true }).fill("10.0.0.0/7");
    await form.getByRole("button", { name: "Ban", exact: true }).click();
    await expect(form.locator("#ban-value-error")).toContainText("/8");
    // The browser's own address (the panel sees 127.0.0.1): refused with the warning beside the form; not confirmed.
    await form.getByLabel("Address or range", { exact: true }).fill("127.0.0.1");
    await form.getByLabel("Reason").fill("e2e: would lock me out");
    await form.getByRole("button", { name: "Ban", exact: true }).click();
    const warning = page.getByTestId("self-block-warning");
    await expect(warning).toContainText("127.0.0.1 (the address you are signed in from");
    await expect(warning.getByLabel("Ban anyway (I understand this may block me)")).not.toBeChecked();
    await snapshot(page, testInfo, "decisions-self-block");
    await form.getByLabel("Address or range", { exact: true }).fill(BANNED);
    await expect(warning).toHaveCount(0);
    await form.getByLabel("Duration").fill("1h");
    await form.getByLabel("Reason").fill("e2e: ban from the page");
    await form.getByRole("button", { name: "Ban", exact: true }).click();
    await expect(page.getByTestId("ban-done")).toContainText(BANNED, WAIT);
    await untilEdge(host, BANNED, 403);
    expect((await viaEdge(host, "/", "127.0.0.1")).status).toBe(200);

    const row = page.getByTestId("decision-row").filter({ hasText: BANNED });
    await expect(row).toHaveCount(1, WAIT);
    await expect(row).toContainText("panel");
    await expect(row).toContainText("e2e: ban from the page");
    await snapshot(page, testInfo, "decisions-banned");

    await page.goto("/security");
    const runtime = card(page, "crowdsec").getByTestId("runtime-row");
    await expect(runtime).toContainText(/edge blocklist: 1 ban, generation \d+/, WAIT);
    await expect(runtime).toContainText("LAPI synced");

    await page.goto("/decisions");
    await row.getByRole("button", { name: `Unban ${BANNED}` }).click();
    await page.getByTestId("unban-confirm").getByRole("button", { name: "Unban", exact: true }).click();
    await expect(page.getByTestId("unban-result")).toContainText(BANNED, WAIT);
    await untilEdge(host, BANNED, 200);
    await expect(row).toHaveCount(0, WAIT);
  });

  test("a probing burst from its own address → CrowdSec decides from the edge's log → listed on the page, refused at the edge", async ({ page }) => {
    test.setTimeout(90_000);
    for (let i = 0; i < 12; i++) expect((await viaEdge(host, `/nope/${i}-${Date.now()}`, PROBER)).status).toBe(404);
    await page.goto("/decisions");
    await page.getByLabel("Search").fill(PROBER);
    const row = page.getByTestId("decision-row").filter({ hasText: PROBER });
    await expect(row).toHaveCount(1, { timeout: 30_000 });
    await expect(row).toContainText("crowdsecurity/http-probing");
    await expect(row).toContainText("scenario");
    await untilEdge(host, PROBER, 403);

    await page.getByRole("tab", { name: "Alerts" }).click();
    await expect(page.getByTestId("alert-row").filter({ hasText: "crowdsecurity/http-probing" }).filter({ hasText: PROBER })).not.toHaveCount(0, WAIT);
  });
});
