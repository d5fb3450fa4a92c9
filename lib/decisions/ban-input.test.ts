import { describe, expect, it } from "vitest";
import { MAX_UNBAN_IDS, parseBanInput, parseUnbanInput } from "./ban-input";

describe("parseBanInput", () => {
  it("turns a valid request into the ban to make", () => {
    expect(parseBanInput({ value: " 2001:DB8::/32 ", duration: "1d12h", reason: "  scanner  " })).toEqual({
      ok: true,
      ban: { value: "2001:db8::/32", scope: "Range", family: 6, prefix: 32, seconds: 129_600, lapiDuration: "36h", reason: "scanner", confirmSelfBlock: false },
    });
    expect(parseBanInput({ value: "203.0.113.7", duration: "4h", reason: "brute force", confirmSelfBlock: true })).toEqual({
      ok: true,
      ban: { value: "203.0.113.7", scope: "Ip", family: 4, prefix: 32, seconds: 14_400, lapiDuration: "4h", reason: "brute force", confirmSelfBlock: true },
    });
  });

  it("names every refused field with its own message", () => {
    expect(parseBanInput({ value: "1.2.3.4;", duration: "59s", reason: "" })).toEqual({
      ok: false,
      message: "1.2.3.4; is not an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24",
      fields: {
        value: "1.2.3.4; is not an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24",
        duration: "Duration must be between 1 minute and 365 days",
        reason: "Enter a reason for the ban",
      },
    });
    expect(parseBanInput({ value: "10.0.0.0/8", duration: "abc", reason: "ok" })).toEqual({
      ok: false,
      message: "abc is not a duration: use a number and a unit, e.g. 30m, 4h, 7d",
      fields: { duration: "abc is not a duration: use a number and a unit, e.g. 30m, 4h, 7d" },
    });
  });

  it.each([
    [undefined, { _: "A ban request must be an object with value, duration and reason" }],
    ["1.2.3.4", { _: "A ban request must be an object with value, duration and reason" }],
    [{ value: "1.2.3.4", duration: "4h" }, { reason: "reason must be text" }],
    [{ value: 16909060, duration: "4h", reason: "r" }, { value: "value must be text" }],
    [{ value: "1.2.3.4", duration: 3600, reason: "r" }, { duration: "duration must be text" }],
    [{ value: "1.2.3.4", duration: "4h", reason: "r", confirmSelfBlock: "yes" }, { confirmSelfBlock: "confirmSelfBlock must be true or false" }],
    [{ value: "1.2.3.4", duration: "4h", reason: "r", scope: "Country" }, { _: "Unknown field: scope" }],
    [{ value: "1".repeat(201), duration: "4h", reason: "r" }, { value: "value is too long" }],
    [{ value: "1.2.3.4", duration: "4h", reason: "r".repeat(2001) }, { reason: "reason is too long" }],
  ])("refuses the malformed request %j", (input, fields) => {
    const result = parseBanInput(input);
    expect(result).toEqual({ ok: false, message: Object.values(fields)[0], fields });
  });
});

describe("parseUnbanInput", () => {
  it("accepts 1 to 500 distinct decision ids", () => {
    expect(parseUnbanInput({ ids: [7] })).toEqual({ ok: true, ids: [7] });
    const many = Array.from({ length: MAX_UNBAN_IDS }, (_, i) => i + 1);
    expect(parseUnbanInput({ ids: many })).toEqual({ ok: true, ids: many });
    expect(parseUnbanInput({ ids: [Number.MAX_SAFE_INTEGER] })).toEqual({ ok: true, ids: [Number.MAX_SAFE_INTEGER] });
  });

  it.each([
    [{ ids: [] }, "Select at least one ban to remove"],
    [{ ids: Array.from({ length: MAX_UNBAN_IDS + 1 }, (_, i) => i + 1) }, "Remove at most 500 bans at once"],
    [{ ids: [1, 2, 1] }, "Each decision id may appear only once"],
    [{ ids: [0] }, "Each decision id must be positive"],
    [{ ids: [-3] }, "Each decision id must be positive"],
    [{ ids: [1.5] }, "Each decision id must be a whole number"],
    [{ ids: [Number.MAX_SAFE_INTEGER + 1] }, "Each decision id must be a whole number"],
    [{ ids: ["7"] }, "Each decision id must be a number"],
    [{ ids: [Number.NaN] }, "Each decision id must be a number"],
    [{ ids: "7" }, "ids must be a list of decision ids"],
    [{}, "ids must be a list of decision ids"],
    [{ ids: [1], values: ["1.2.3.4"] }, "Unknown field: values"],
    [null, "An unban request must be an object with ids"],
  ])("refuses %j", (input, message) => {
    const result = parseUnbanInput(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toBe(message);
  });
});
