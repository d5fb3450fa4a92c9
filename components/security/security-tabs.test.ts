import { describe, expect, it } from "vitest";
import { parseSecurityTab, tabForKey } from "./security-tabs";

describe("security tabs", () => {
  it("?tab= picks a known tab; anything else is the overview", () => {
    expect(parseSecurityTab("scenarios")).toBe("scenarios");
    expect(parseSecurityTab("appsec")).toBe("appsec");
    expect(parseSecurityTab("audit")).toBe("audit");
    expect(parseSecurityTab(undefined)).toBe("overview");
    expect(parseSecurityTab("nope")).toBe("overview");
    expect(parseSecurityTab(["audit", "appsec"])).toBe("overview");
  });

  it("arrows wrap around, Home and End jump, other keys do nothing", () => {
    expect(tabForKey("overview", "ArrowRight")).toBe("scenarios");
    expect(tabForKey("overview", "ArrowLeft")).toBe("audit");
    expect(tabForKey("audit", "ArrowRight")).toBe("overview");
    expect(tabForKey("appsec", "Home")).toBe("overview");
    expect(tabForKey("overview", "End")).toBe("audit");
    expect(tabForKey("overview", "Enter")).toBeNull();
  });
});
