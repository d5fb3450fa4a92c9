import { describe, expect, it } from "vitest";
import { safeNextPath, ZUsername } from "./credentials-schema";

// `next` after login: only a same-origin path; anything that could leave the site (or loop back to
// the login or setup page) becomes /security.

describe("safeNextPath", () => {
  it.each([
    ["//evil.com"],
    ["//evil.com/security"],
    ["https://evil.com"],
    ["http://evil.com/security"],
    ["/\\evil.com"],
    ["/\\/evil.com"],
    ["\\\\evil.com"],
    ["javascript:alert(1)"],
    ["JavaScript:alert(document.cookie)"],
    ["data:text/html,<script>alert(1)</script>"],
    ["evil.com"],
    ["security"],
    ["/\tevil.com"],
    ["/\n/evil.com"],
    ["/login"],
    ["/login?next=/login"],
    ["/login/"],
    ["/setup"],
    ["/./login"],
    ["/security/../login"],
    [""],
    [null],
    [undefined],
  ])("%j → /security", (next) => {
    expect(safeNextPath(next)).toBe("/security");
  });

  it.each([
    ["/security?tab=audit", "/security?tab=audit"],
    ["/security?tab=audit#latest", "/security?tab=audit#latest"],
    ["/account", "/account"],
    ["/migrations", "/migrations"],
    ["/security/../account", "/account"],
    ["/loginfo", "/security"], // starts with /login: refused rather than risk a loop
  ])("%j → %j", (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it("encoded CR/LF or slashes stay encoded in the path: they can neither split a header nor leave the site", () => {
    expect(safeNextPath("/%0d%0aSet-Cookie:x=1")).toBe("/%0d%0aSet-Cookie:x=1");
    expect(safeNextPath("/%2F%2Fevil.com")).toBe("/%2F%2Fevil.com");
  });
});

describe("usernames at setup", () => {
  it.each([["admin"], ["ops-admin"], ["a.b_c-1"], ["Admin ", "admin"]])("%j is accepted", (name, normalized = name) => {
    expect(ZUsername.parse(name)).toBe(normalized);
  });
  it.each([["ädmin"], ["管理者"], ["-admin"], ["<b>"], ["a'b"], ["a b"], ["a".repeat(65)], [""]])("%j is refused", (name) => {
    expect(ZUsername.safeParse(name).success).toBe(false);
  });
});
