import { describe, expect, it } from "vitest";
import { parseBanReason } from "./ban-reason";

const PLAIN = "Reason must be one line of plain text: no line breaks, tabs, control or text-direction characters";

describe("parseBanReason", () => {
  it.each([
    ["credential stuffing on /login", "credential stuffing on /login"],
    ["  scraping  ", "scraping"],
    ["x", "x"],
    ["a".repeat(200), "a".repeat(200)],
    // Characters as a reader counts them: 200 emoji are 200 characters (400 UTF-16 units).
    ["🚫".repeat(200), "🚫".repeat(200)],
    ["Ärger mit 日本語 bots — see ticket #42", "Ärger mit 日本語 bots — see ticket #42"],
    ["trailing newline is whitespace\n", "trailing newline is whitespace"],
  ])("accepts %j", (raw, reason) => {
    expect(parseBanReason(raw)).toEqual({ ok: true, reason });
  });

  it.each([
    ["", "Enter a reason for the ban"],
    ["   \n\t ", "Enter a reason for the ban"],
    ["a".repeat(201), "Reason must be at most 200 characters"],
    ["🚫".repeat(201), "Reason must be at most 200 characters"],
    ["line one\nline two", PLAIN],
    ["a\rb", PLAIN],
    ["tab\there", PLAIN],
    ["nul\u0000byte", PLAIN],
    ["escape \u001b[31m red", PLAIN],
    ["del\u007f", PLAIN],
    ["c1 \u0085 next line", PLAIN],
    ["line\u2028separator", PLAIN],
    ["para\u2029separator", PLAIN],
    ["evil \u202e txt.exe", PLAIN],
    ["embed \u202a ltr", PLAIN],
    ["isolate \u2066 x \u2069", PLAIN],
    ["mark \u200f rtl", PLAIN],
  ])("refuses %j", (raw, message) => {
    expect(parseBanReason(raw)).toEqual({ ok: false, message });
  });
});
