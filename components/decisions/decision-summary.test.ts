import { describe, expect, it } from "vitest";
import { decisionSummary, pageCount, pageRange } from "./decision-summary";

describe("the Decisions page's summary line", () => {
  it("says what is active, enforced and not enforced with why", () => {
    expect(
      decisionSummary({
        counts: { active: 1234, enforced: 1230, notEnforced: 4 },
        notEnforcedReasons: ["captcha", "country scope"],
        syncedAt: "2026-12-10T09:00:00.000Z",
      }),
    ).toBe("1,234 active decisions · 1,230 enforced at the edge · 4 not enforced (captcha, country scope)");
    expect(decisionSummary({ counts: { active: 1, enforced: 1, notEnforced: 0 }, notEnforcedReasons: [], syncedAt: "2026-12-10T09:00:00.000Z" })).toBe(
      "1 active decision · 1 enforced at the edge",
    );
  });

  it("says so when the leader never synced, rather than showing zero decisions", () => {
    expect(decisionSummary({ counts: { active: 0, enforced: 0, notEnforced: 0 }, notEnforcedReasons: [], syncedAt: null })).toMatch(
      /^Never synced: CrowdSec is off/,
    );
  });

  it("names the rows shown and the number of pages", () => {
    const rows = Array(50).fill(null);
    expect(pageRange({ total: 1234, page: 2, pageSize: 50, rows })).toBe("Showing 51–100 of 1,234 decisions");
    expect(pageRange({ total: 0, page: 1, pageSize: 50, rows: [] })).toBe("No decisions match.");
    expect(pageCount({ total: 1234, pageSize: 50 })).toBe(25);
    expect(pageCount({ total: 0, pageSize: 50 })).toBe(1);
  });
});
