import { expect, type Page, type TestInfo } from "@playwright/test";

export type StatusJson = {
  intent: Record<string, { enabled: boolean; version: number; settings: Record<string, unknown> }> & { version: number };
};

/** The stored intent, read through the API the page polls (not through the page under test). */
export async function readStatus(page: Page): Promise<StatusJson> {
  const response = await page.request.get("/api/security/status");
  expect(response.ok()).toBe(true);
  return (await response.json()) as StatusJson;
}

export function card(page: Page, protection: "crowdsec" | "waf" | "rate_limit") {
  return page.getByTestId(`card-${protection}`);
}

/** A named screenshot kept with the test's artefacts (UI states an admin sees). */
export async function snapshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}
