import { describe, expect, it } from "vitest";
import { parseMirrorBoolean, readMirror } from "./mirror";

// Older panels wrote their switches in other spellings; Warden reads every one of them, and never
// takes a value it cannot read as "off" without saying so.

describe("parseMirrorBoolean", () => {
  it.each([
    ["true", "boolean", true],
    ["true", "bool", true],
    ["TRUE", "", true],
    ["1", "bool", true],
    ["yes", "boolean", true],
    ["On", "bool", true],
    ["false", "boolean", false],
    ["0", "", false],
    ["No", "bool", false],
    ["off", "boolean", false],
    [" true ", "boolean", true],
  ])("%j with type %j → %s", (value, type, expected) => {
    expect(parseMirrorBoolean({ value, type })).toBe(expected);
  });

  it.each([
    ["maybe", "bool"],
    ["", "boolean"],
    ["2", "bool"],
    ["true", "number"],
  ])("%j with type %j cannot be read", (value, type) => {
    expect(parseMirrorBoolean({ value, type })).toBeUndefined();
  });
});

describe("readMirror", () => {
  it("records the switches it cannot read instead of taking them as off", () => {
    const state = readMirror([
      { key: "security.crowdsec.enabled", value: "perhaps", type: "bool" },
      { key: "security.waf.enabled", value: "1", type: "bool" },
    ]);
    expect(state.unreadable).toEqual([{ key: "security.crowdsec.enabled", value: "perhaps", type: "bool" }]);
    expect(state.enabled.waf).toBe(true);
  });

  it("untyped numbers are numbers; an old panel's crowdsec mode 'disabled' means off in the default mode", () => {
    const state = readMirror([
      { key: "security.waf.paranoia", value: "3", type: "" },
      { key: "security.crowdsec.mode", value: "disabled", type: "string" },
    ]);
    expect(state.settings.waf.paranoia).toBe(3);
    expect(state.enabled.crowdsec).toBe(false);
    expect(state.settings.crowdsec.mode).toBe("local");
  });
});
