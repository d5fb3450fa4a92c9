import { describe, expect, it } from "vitest";
import { formatTimeLeft, goDuration, parseBanDuration } from "./ban-duration";

const RANGE = "Duration must be between 1 minute and 365 days";
const notDuration = (shown: string) => `${shown} is not a duration: use a number and a unit, e.g. 30m, 4h, 7d`;

describe("parseBanDuration accepts", () => {
  it.each([
    ["1m", 60, "1m"],
    ["60s", 60, "1m"],
    ["90s", 90, "1m30s"],
    ["30m", 1800, "30m"],
    ["4h", 14_400, "4h"],
    ["1h30m", 5400, "1h30m"],
    ["1h0m", 3600, "1h"],
    ["7d", 604_800, "168h"],
    ["1d12h", 129_600, "36h"],
    ["2d3h4m5s", 183_845, "51h4m5s"],
    ["365d", 31_536_000, "8760h"],
    ["364d23h59m60s", 31_536_000, "8760h"],
    ["  4h\t", 14_400, "4h"],
    ["0d4h", 14_400, "4h"],
  ])("%j → %i seconds, LAPI %s", (raw, seconds, lapi) => {
    expect(parseBanDuration(raw)).toEqual({ ok: true, seconds, lapi });
  });
});

describe("parseBanDuration refuses", () => {
  it.each([
    ["59s", RANGE],
    ["0m", RANGE],
    ["366d", RANGE],
    ["365d1s", RANGE],
    ["999999999d", RANGE],
    ["", "Enter a duration: a number and a unit, e.g. 30m, 4h, 7d"],
    ["abc", notDuration("abc")],
    ["-5m", notDuration("-5m")],
    ["30", notDuration("30")],
    ["4H", notDuration("4H")],
    ["2w", notDuration("2w")],
    ["1y", notDuration("1y")],
    ["500ms", notDuration("500ms")],
    ["30m4h", notDuration("30m4h")],
    ["1h1h", notDuration("1h1h")],
    ["1h 30m", notDuration('"1h 30m"')],
    ["4h;reboot", notDuration("4h;reboot")],
    ["1.5h", "1.5h is not a duration: use whole numbers, e.g. 1h30m"],
    ["1234567890m", notDuration("1234567890m")],
  ])("%j", (raw, message) => {
    expect(parseBanDuration(raw)).toEqual({ ok: false, message });
  });

  it("ignores a trailing newline like other surrounding whitespace", () => {
    expect(parseBanDuration("4h\n")).toEqual({ ok: true, seconds: 14_400, lapi: "4h" });
  });
});

describe("goDuration", () => {
  it.each([
    [0, "0s"],
    [45, "45s"],
    [3661, "1h1m1s"],
    [86_400, "24h"],
  ])("%i → %s", (seconds, text) => {
    expect(goDuration(seconds)).toBe(text);
  });
});

describe("formatTimeLeft", () => {
  it.each([
    [45, "45s"],
    [60, "1m"],
    [125, "2m 5s"],
    [3 * 3600 + 12 * 60 + 30, "3h 12m"],
    [3 * 3600 + 30, "3h"],
    [2 * 86_400 + 4 * 3600 + 59, "2d 4h"],
    [365 * 86_400, "365d"],
    [0, "0s"],
    [-10, "0s"],
    [Number.NaN, "0s"],
    [44.9, "44s"],
  ])("%d → %s", (seconds, text) => {
    expect(formatTimeLeft(seconds)).toBe(text);
  });
});
