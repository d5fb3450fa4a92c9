import { describe, expect, it } from "vitest";
import { OFF_SITE_NEXT } from "../../test/support/redirect-corpus";
import { safeNextPath, ZUsername } from "./credentials-schema";

// `next` after login: only a same-origin path; anything that could leave the site (or loop back to
// the login or setup page) becomes /security.

describe("safeNextPath", () => {
  it.each(OFF_SITE_NEXT.map((next) => [next]))("off-site %j → /security", (next) => {
    expect(safeNextPath(next)).toBe("/security");
  });

  it("whatever it returns resolves to the panel's own origin", () => {
    const base = "https://panel.example";
    for (const next of OFF_SITE_NEXT) expect(new URL(safeNextPath(next), base).origin).toBe(base);
  });

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

  it("encoded control characters are refused like raw ones; a bad escape too", () => {
    expect(safeNextPath("/%0d%0aSet-Cookie:x=1")).toBe("/security");
    expect(safeNextPath("/%E0%A4%A")).toBe("/security");
    expect(safeNextPath("/security?tab=%2f%2f")).toBe("/security?tab=%2f%2f"); // the query is not a path
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
