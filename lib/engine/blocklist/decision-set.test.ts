import { describe, expect, it } from "vitest";
import { classifyDecisions, goDurationMs } from "./decision-set";
import { parseBlocklistMeta, renderBlocklist, renderBlocklistMeta } from "./render-blocklist";

// What LAPI reports becomes nginx lines only through the ban grammar: a value that is not an address
// or a range, a scope or a type the edge cannot enforce, or a range wider than the panel would ban is
// listed as not enforced, with why, and never rendered.

const d = (id: number, value: string, extra: Partial<{ type: string; scope: string; duration: string }> = {}) => ({
  id,
  origin: "crowdsec",
  type: "ban",
  scope: "Ip",
  value,
  duration: "3h59m58.5s",
  scenario: "crowdsecurity/http-probing",
  ...extra,
});

describe("classifyDecisions", () => {
  it("renders bans on addresses and ranges, canonical and unique; lists everything else as not enforced with the reason", () => {
    const set = classifyDecisions([
      d(1, "203.0.113.7"),
      d(2, "2001:DB8:0:0::1"),
      d(3, "198.51.100.0/24", { scope: "Range" }),
      d(4, "203.0.113.7"),
      d(5, "203.0.113.8", { type: "captcha" }),
      d(6, "FR", { scope: "Country" }),
      d(7, "1.2.3.4; allow all"),
      d(8, "1.2.3.4\n}"),
      d(9, "$remote_addr"),
      d(10, "0.0.0.0/0", { scope: "Range" }),
      d(11, "10.0.0.0/7", { scope: "Range" }),
    ]);
    expect(set.entries).toEqual(["198.51.100.0/24", "2001:db8::1", "203.0.113.7"]);
    expect(set.enforced).toBe(4);
    expect(set.notEnforced).toBe(7);
    const why = Object.fromEntries(set.decisions.filter((x) => !x.enforced).map((x) => [x.id, x.notEnforcedReason]));
    expect(why[5]).toMatch(/^a captcha decision: the edge enforces bans only$/);
    expect(why[6]).toMatch(/^scope Country: the edge enforces addresses and ranges only$/);
    for (const id of [7, 8, 9, 10, 11]) expect(why[id]).toEqual(expect.any(String));
    expect(renderBlocklist(set.entries).text).toBe(
      "# Written by Warden's decision loop from CrowdSec's active bans; edits are overwritten.\n198.51.100.0/24 1;\n2001:db8::1 1;\n203.0.113.7 1;\n",
    );
  });

  it("reads LAPI's time left (a Go duration) into an expiry", () => {
    expect(goDurationMs("3h59m58.5s")).toBe(14_398_500);
    expect(goDurationMs("1m0.001s")).toBe(60_001);
    expect(goDurationMs("-2.5s")).toBe(-2_500);
    expect(goDurationMs("soon")).toBeNull();
    const now = new Date("2026-12-04T12:00:00Z");
    expect(classifyDecisions([d(1, "203.0.113.7", { duration: "1h" })], now).decisions[0]!.expiresAt.toISOString()).toBe("2026-12-04T13:00:00.000Z");
  });
});

describe("renderBlocklist", () => {
  it("refuses anything but an address or a range (a caller that skipped the grammar), writing nothing", () => {
    for (const bad of ["1.2.3.4; allow all", "1.2.3.4 }", '"1.2.3.4"', "1.2.3.4\ndeny all", "$remote_addr", "{"]) {
      expect(() => renderBlocklist([bad])).toThrow(/refusing to render/);
    }
  });

  it("the control listener's answer names the generation, count and hash, and reads back", () => {
    const r = renderBlocklist(["203.0.113.7"]);
    const meta = renderBlocklistMeta(4, r.count, r.hash);
    expect(meta).toBe(`return 200 '{"generation":4,"count":1,"hash":"${r.hash}"}\\n';\n`);
    expect(parseBlocklistMeta(meta)).toEqual({ generation: 4, count: 1, hash: r.hash });
    expect(() => renderBlocklistMeta(-1, 0, r.hash)).toThrow();
  });
});
