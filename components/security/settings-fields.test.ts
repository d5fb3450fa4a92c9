import { describe, expect, it } from "vitest";
import { SETTINGS_FIELDS } from "@/lib/security/spec";
import { formToChanges, isDirty, settingsToFormValues } from "./settings-fields";

// The settings form keeps an admin's unsaved edits across polls only while it is dirty; these are
// the rules deciding "dirty" and what a save sends.

const waf = SETTINGS_FIELDS.waf;
const crowdsec = SETTINGS_FIELDS.crowdsec;
const stored = { mode: "detect", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 };

describe("settingsToFormValues", () => {
  it("shows numbers as text and null as an empty field", () => {
    expect(settingsToFormValues(waf, stored)).toEqual({ mode: "detect", paranoia: "1", inboundThreshold: "5", outboundThreshold: "4" });
    expect(settingsToFormValues(crowdsec, { mode: "local", lapiUrl: null })).toEqual({ mode: "local", lapiUrl: "" });
  });
});

describe("isDirty", () => {
  const loaded = settingsToFormValues(waf, stored);

  it("is clean as loaded, and when an edit is typed back", () => {
    expect(isDirty(waf, { ...loaded }, loaded)).toBe(false);
    expect(isDirty(waf, { ...loaded, paranoia: " 1 " }, loaded)).toBe(false);
  });

  it("is dirty on any field's text, including a select and a cleared field", () => {
    expect(isDirty(waf, { ...loaded, paranoia: "2" }, loaded)).toBe(true);
    expect(isDirty(waf, { ...loaded, mode: "block" }, loaded)).toBe(true);
    expect(isDirty(waf, { ...loaded, paranoia: "" }, loaded)).toBe(true);
  });

  it("keeps the admin's own spelling of the same number as an edit (not replaced under the cursor)", () => {
    expect(isDirty(waf, { ...loaded, paranoia: "01" }, loaded)).toBe(true);
    // …while the save itself sends nothing for it.
    expect(formToChanges(waf, { ...loaded, paranoia: "01" }, stored).changes).toEqual({});
  });
});
