import { appendFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { edgePorts, edgeProcessesUnder, killEdges } from "./edge-instances";
import { card } from "./helpers";

// The edge end to end: a real upstream (a node server in the test process), the panel's real nginx +
// ModSecurity + CRS on the panel server's edge port, Chromium driving the panel. Every verdict about
// protection is read from the outside: what a request through the edge gets.

const EDGE = { host: "127.0.0.1", port: edgePorts(1).listenPort };
const EDGE_DIR = path.resolve("data/e2e-panel/edge");
const ATTACK = `/?q=${encodeURIComponent("<script>alert(1)</script>")}`;
const CHANGE_WAIT = { timeout: 15_000 };

interface Upstream {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? "");
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("upstream ok\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One request through the edge with a Host header (a fresh connection). */
function viaEdge(host: string, target: string): Promise<{ status: number; requestId: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...EDGE, path: target, agent: false, headers: { host, "user-agent": "warden-e2e", accept: "*/*" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, requestId: res.headers["x-request-id"] as string | undefined, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function sites(page: Page): Promise<{ id: number; hosts: string[]; version: number }[]> {
  const response = await page.request.get("/api/sites");
  expect(response.status()).toBe(200);
  return ((await response.json()) as { sites: { id: number; hosts: string[]; version: number }[] }).sites;
}

async function setWaf(page: Page, on: boolean, mode?: "detect" | "block"): Promise<void> {
  await page.goto("/security");
  const waf = card(page, "waf");
  if (mode) {
    await waf.getByLabel("Mode").selectOption(mode);
    await waf.getByRole("button", { name: "Save settings" }).click();
    await expect(waf.getByTestId("intent-settings")).toContainText(`Mode: ${mode}`, CHANGE_WAIT);
  }
  const toggle = page.getByRole("switch", { name: "WAF" });
  await expect(toggle).toHaveAttribute("aria-busy", "false");
  if ((await toggle.getAttribute("aria-checked")) !== String(on)) await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", String(on), CHANGE_WAIT);
  await expect(toggle).toHaveAttribute("aria-busy", "false", CHANGE_WAIT);
}

const unique = () => `e${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test.describe("the edge", () => {
  let upstream: Upstream;
  let host: string;

  test.beforeEach(async ({ page }) => {
    upstream = await startUpstream();
    host = `${unique()}.example`;
    await page.goto("/sites");
    await page.getByRole("button", { name: "Add a site" }).click();
    await page.getByLabel("Host names").fill(host);
    await page.getByLabel("Upstream", { exact: true }).fill(upstream.url);
    await page.getByRole("button", { name: "Add site" }).click();
    await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toHaveCount(1, CHANGE_WAIT);
  });

  // Leave the WAF off and no site of this test behind, whatever happened.
  test.afterEach(async ({ page }) => {
    await setWaf(page, false);
    const mine = (await sites(page)).find((s) => s.hosts.includes(host));
    if (mine) {
      await page.goto("/sites");
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: `Remove ${host}` }).click();
      await expect(page.locator(`[data-testid=site-row][data-host="${host}"]`)).toHaveCount(0, CHANGE_WAIT);
    }
    await upstream.close();
  });

  test("WAF block → an attack gets 403 with a request id and never reaches the upstream; detect → 200; off → 200; the card says what the edge serves", async ({
    page,
  }) => {
    // Added and applied before the action answered: the site is served at once.
    expect(await viaEdge(host, "/hello")).toMatchObject({ status: 200, body: "upstream ok\n" });
    expect((await viaEdge(`unknown-${host}`, "/")).status).toBe(404);

    await setWaf(page, true, "block");
    const blocked = await viaEdge(host, ATTACK);
    expect(blocked.status).toBe(403);
    expect(blocked.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(upstream.seen.some((u) => u.includes("script"))).toBe(false);
    const runtime = card(page, "waf").getByTestId("runtime-row");
    await expect(runtime).toContainText("Running");
    await expect(runtime).toContainText(/Blocking on \d+ sites? \(block mode, paranoia 1/);

    await setWaf(page, true, "detect");
    expect((await viaEdge(host, ATTACK)).status).toBe(200);
    await expect(runtime).toContainText(/Detecting only on \d+ sites?/, CHANGE_WAIT);

    await setWaf(page, false);
    expect((await viaEdge(host, ATTACK)).status).toBe(200);
    await expect(runtime).toContainText("The WAF is off.", CHANGE_WAIT);
  });

  test("a rendered file edited on disk is drift on the edge; Apply to runtime re-renders it and the banner clears", async ({ page }) => {
    const site = (await sites(page)).find((s) => s.hosts.includes(host))!;
    appendFileSync(path.join(EDGE_DIR, "conf.d", `site-${site.id}.conf`), "\n# edited by hand\n");
    await page.goto("/security");
    const banner = page.getByTestId("drift-banner");
    await expect(banner).toContainText("Edge (nginx)", CHANGE_WAIT);
    await expect(banner).toContainText(`file conf.d/site-${site.id}.conf — expected as Warden wrote it, found edited on disk`);
    await expect(page.getByTestId("drift-dot-appsec")).toHaveCount(1);
    await page.getByRole("tab", { name: "AppSec" }).click();
    await expect(page.getByTestId("edge-differences")).toContainText(`file conf.d/site-${site.id}.conf: expected as Warden wrote it, found edited on disk`);

    await page.getByTestId("drift-apply").click();
    const result = page.getByTestId("drift-apply-result");
    await expect(result).toContainText(/Edge reloaded: generation \d+\./, { timeout: 30_000 });
    await expect(banner).toHaveCount(0, CHANGE_WAIT);
    expect((await viaEdge(host, "/")).status).toBe(200);
  });

  test("Verify: WAF block is seen enforcing, detect is seen detecting; the edge stopped by hand turns the card amber with what the probe saw", async ({
    page,
  }) => {
    await setWaf(page, true, "block");
    const panel = page.getByTestId("verify-panel");
    await panel.getByRole("button", { name: "Verify now" }).click();
    const row = panel.locator(`[data-testid=verify-site][data-host="${host}"]`);
    await expect(row).toContainText("enforcing", CHANGE_WAIT);
    await expect(row).toContainText(/an attack got 403 \(rules .*949110/);
    const runtime = card(page, "waf").getByTestId("runtime-row");
    await expect(runtime).toContainText(/verified enforcing/, CHANGE_WAIT);

    await setWaf(page, true, "detect");
    await panel.getByRole("button", { name: "Verify now" }).click();
    await expect(row).toContainText("detecting", CHANGE_WAIT);
    await expect(row).toContainText("an attack passed (200) and was logged");

    // The edge's nginx killed by hand (self-heal is off on the e2e servers): nothing is verified.
    const pids = edgeProcessesUnder(EDGE_DIR);
    expect(pids.length).toBeGreaterThan(0);
    expect(await killEdges(pids)).toEqual([]);
    await panel.getByRole("button", { name: "Verify now" }).click();
    await expect(panel.getByTestId("verify-failures")).toContainText("Nothing could be verified: the edge is not serving", CHANGE_WAIT);
    await expect(runtime).toContainText(/not verified/, CHANGE_WAIT);
    await expect(card(page, "waf").getByTestId("runtime-state")).not.toHaveText("Running", CHANGE_WAIT);
  });

  test("an attack the edge blocked is in Events with its rule and request id; 'Exclude this rule for this site' lets the same request pass", async ({
    page,
  }) => {
    await setWaf(page, true, "block");
    // One CRS rule (933140, PHP I/O stream) plus the anomaly verdict: excluding it lets the request pass.
    const attack = "/index.php?page=php://filter";
    const blocked = await viaEdge(host, attack);
    expect(blocked.status).toBe(403);
    const id = blocked.requestId!;

    await page.goto(`/events?requestId=${id}`);
    const row = page.locator(`[data-testid=event-row][data-request-id="${id}"]`);
    await expect(row).toBeVisible(CHANGE_WAIT);
    await expect(row.getByTestId("event-site")).toContainText(host);
    await row.getByRole("button", { name: `Details of ${id}` }).click();
    const rule = page.getByTestId("event-details").locator('[data-testid=event-rule][data-rule="933140"]');
    page.once("dialog", (dialog) => void dialog.accept());
    await rule.getByRole("button", { name: `Exclude this rule for this site (rule 933140, ${host})` }).click();
    await expect(rule).toContainText(`excluded for ${host}`, CHANGE_WAIT);
    // Applied to the edge before the action answered: the same request passes now.
    expect((await viaEdge(host, attack)).status).toBe(200);
    expect(upstream.seen).toContain(attack);

    // The Sites page lists the exclusion; applying the rule again blocks the request again.
    await page.goto("/sites");
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: `Apply rule 933140 to ${host} again` }).click();
    await expect(page.getByRole("button", { name: `Apply rule 933140 to ${host} again` })).toHaveCount(0, CHANGE_WAIT);
    expect((await viaEdge(host, attack)).status).toBe(403);
  });

  test("WAF off → the same attack passes and no event is recorded", async ({ page }) => {
    await setWaf(page, false);
    const passed = await viaEdge(host, `/?q=${encodeURIComponent("<script>alert(2)</script>")}`);
    expect(passed.status).toBe(200);
    const events = await page.request.get(`/api/edge/events?requestId=${passed.requestId}`);
    expect(events.status()).toBe(200);
    expect(((await events.json()) as { events: unknown[] }).events).toEqual([]);
  });
});
