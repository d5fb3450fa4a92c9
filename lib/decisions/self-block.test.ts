import { describe, expect, it } from "vitest";
import { parseBanValue } from "./ban-value";
import { BAN_PROBE_ADDRESS, describeSelfBlock, selfBlockConflicts, type SelfBlockNeed } from "./self-block";

const ADMIN: SelfBlockNeed = { address: "203.0.113.7", why: "the address you are signed in from" };
const LAPI: SelfBlockNeed = { address: "127.0.0.1", why: "the CrowdSec Local API" };
const ADMIN_V6: SelfBlockNeed = { address: "2001:db8:5::7", why: "the address you are signed in from" };
const PROBE: SelfBlockNeed = { address: "127.0.0.5", why: "the edge's ban probe" };
const NEEDS = [ADMIN, LAPI, ADMIN_V6];

function ban(raw: string) {
  const parsed = parseBanValue(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed;
}

describe("selfBlockConflicts", () => {
  it.each([
    ["203.0.113.7", [ADMIN]],
    ["203.0.113.0/24", [ADMIN]],
    ["203.0.0.0/16", [ADMIN]],
    ["203.0.113.8", []],
    ["203.0.112.0/24", []],
    ["127.0.0.1", [LAPI]],
    ["127.0.0.0/8", [LAPI]],
    ["::ffff:127.0.0.1", [LAPI]],
    ["2001:db8:5::7", [ADMIN_V6]],
    ["2001:db8::/32", [ADMIN_V6]],
    ["2001:db9::/32", []],
    ["::1", []],
  ])("a ban of %s blocks %j", (value, conflicts) => {
    expect(selfBlockConflicts(ban(value), NEEDS)).toEqual(conflicts);
  });

  it("matches a need written in the IPv4-mapped form, or written non-canonically", () => {
    const needs = [
      { address: "::ffff:203.0.113.7", why: "the address you are signed in from" },
      { address: "2001:DB8:5:0::7", why: "a peer" },
    ];
    expect(selfBlockConflicts(ban("203.0.113.0/24"), needs)).toEqual([needs[0]]);
    expect(selfBlockConflicts(ban("2001:db8:5::/48"), needs)).toEqual([needs[1]]);
  });

  it("ignores a need that is no address", () => {
    expect(
      selfBlockConflicts(ban("10.0.0.0/8"), [
        { address: "unknown", why: "x" },
        { address: "", why: "y" },
      ]),
    ).toEqual([]);
  });

  it("never reports Verify's own ban of the probe address", () => {
    expect(BAN_PROBE_ADDRESS).toBe("127.0.0.5");
    expect(selfBlockConflicts(ban("127.0.0.5"), [PROBE, LAPI])).toEqual([]);
    expect(selfBlockConflicts(ban("::ffff:127.0.0.5"), [PROBE, LAPI])).toEqual([]);
  });

  it("judges a range that covers the probe address by the other needs it covers", () => {
    expect(selfBlockConflicts(ban("127.0.0.0/8"), [LAPI, ADMIN])).toEqual([LAPI]);
    expect(selfBlockConflicts(ban("127.0.0.4/30"), [LAPI, ADMIN])).toEqual([]);
  });
});

describe("describeSelfBlock", () => {
  it.each([
    [[], ""],
    [[ADMIN], "This ban would block your own address 203.0.113.7 (the address you are signed in from); confirm to ban anyway"],
    [
      [ADMIN, LAPI],
      "This ban would block your own addresses 203.0.113.7 (the address you are signed in from) and 127.0.0.1 (the CrowdSec Local API); confirm to ban anyway",
    ],
    [
      [ADMIN, LAPI, ADMIN_V6],
      "This ban would block your own addresses 203.0.113.7 (the address you are signed in from), 127.0.0.1 (the CrowdSec Local API) and 2001:db8:5::7 (the address you are signed in from); confirm to ban anyway",
    ],
    [
      [LAPI, { address: "127.0.0.1", why: "the address you are signed in from" }],
      "This ban would block your own address 127.0.0.1 (the CrowdSec Local API, the address you are signed in from); confirm to ban anyway",
    ],
  ])("%j", (conflicts, sentence) => {
    expect(describeSelfBlock(conflicts)).toBe(sentence);
  });
});
