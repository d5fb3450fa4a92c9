import { expect, test } from "./fixtures";
import { card, readStatus, snapshot } from "./helpers";

// The "not-installed" server (playwright.config.ts): CROWDSEC_BIN points to a file that does not
// exist, as on a machine without Debian's crowdsec package. Its admin is seeded like the panel's.

type AuditEntries = { entries: { action: string; protection: string | null; outcome: string; error: string | null }[]; total: number };

test("CrowdSec not installed: the card says so and how to install it; the switch is refused and nothing is committed @not-installed", async ({
  page,
}, testInfo) => {
  await page.goto("/security");
  const crowdsec = card(page, "crowdsec");
  const toggle = page.getByRole("switch", { name: "CrowdSec" });
  await expect(crowdsec.getByTestId("runtime-state")).toHaveText("Not installed");
  await expect(crowdsec.getByTestId("runtime-row")).toContainText("scripts/install-crowdsec.sh");
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await snapshot(page, testInfo, "crowdsec-not-installed");

  const before = await readStatus(page);
  const auditBefore = (await (await page.request.get("/api/security/audit?pageSize=100")).json()) as AuditEntries;

  await toggle.click();
  const error = crowdsec.getByTestId("card-error");
  await expect(error).toContainText("CrowdSec is not installed");
  await expect(error).toContainText("scripts/install-crowdsec.sh");
  await expect(error).toHaveAttribute("role", "alert");
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await expect(toggle).toHaveAttribute("aria-busy", "false");
  await expect(crowdsec.getByTestId("runtime-state")).toHaveText("Not installed");
  await snapshot(page, testInfo, "crowdsec-not-installed-refused");

  // Nothing changed: the intent (every protection, every version) is as before.
  const after = await readStatus(page);
  expect(after.intent).toEqual(before.intent);
  const audit = (await (await page.request.get("/api/security/audit?pageSize=100")).json()) as AuditEntries;
  const committedBefore = auditBefore.entries.filter((e) => e.outcome === "committed").length;
  expect(
    audit.entries.filter((e) => e.outcome === "committed"),
    "no new committed audit row",
  ).toHaveLength(committedBefore);
  expect(audit.entries.filter((e) => e.protection === "crowdsec" && e.outcome === "committed")).toEqual([]);

  // The audit tab shows no committed CrowdSec change either.
  await page.getByRole("tab", { name: "Audit" }).click();
  await expect(page.getByTestId("audit-page")).toContainText(/Page 1 of \d+/);
  const crowdsecRows = page.getByTestId("audit-row").filter({ has: page.locator("td:nth-child(3)", { hasText: "CrowdSec" }) });
  await expect(crowdsecRows.filter({ hasText: "committed" })).toHaveCount(0);
  await snapshot(page, testInfo, "crowdsec-not-installed-audit");
});
