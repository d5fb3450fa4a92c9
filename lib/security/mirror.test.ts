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

  it("a rate limit an older panel mirrored as requests per window is read converted (a recovery keeps the admin's limit)", () => {
    const old = readMirror([
      { key: "security.rate_limit.enabled", value: "true", type: "boolean" },
      { key: "security.rate_limit.requests", value: "300", type: "number" },
      { key: "security.rate_limit.window_sec", value: "60", type: "number" },
      { key: "security.rate_limit.burst", value: "20", type: "number" },
    ]);
    expect(old.settings.rate_limit).toEqual({ rate: 300, unit: "minute", burst: 300, excess: "reject" });
    // Only the requests: the old default window (60 s).
    expect(readMirror([{ key: "security.rate_limit.requests", value: "30", type: "number" }]).settings.rate_limit).toMatchObject({ rate: 30, unit: "minute" });
    // Once the new keys exist, the old ones are ignored.
    const current = readMirror([
      { key: "security.rate_limit.rate", value: "5", type: "number" },
      { key: "security.rate_limit.unit", value: "second", type: "string" },
      { key: "security.rate_limit.requests", value: "300", type: "number" },
    ]);
    expect(current.settings.rate_limit).toEqual({ rate: 5, unit: "second", burst: 10, excess: "reject" });
  });
});
