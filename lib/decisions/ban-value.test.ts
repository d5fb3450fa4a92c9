import { describe, expect, it } from "vitest";
import { addressInRange, BAN_VALUE_PATTERN, parseBanValue, rangesOverlap } from "./ban-value";

describe("parseBanValue accepts addresses and ranges in canonical form", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7", 4, 32, "Ip"],
    ["  203.0.113.7\n", "203.0.113.7", 4, 32, "Ip"],
    ["0.0.0.0", "0.0.0.0", 4, 32, "Ip"],
    ["255.255.255.255", "255.255.255.255", 4, 32, "Ip"],
    ["203.0.113.0/24", "203.0.113.0/24", 4, 24, "Range"],
    ["203.0.113.7/32", "203.0.113.7", 4, 32, "Ip"],
    ["10.0.0.0/8", "10.0.0.0/8", 4, 8, "Range"],
    ["::", "::", 6, 128, "Ip"],
    ["::1", "::1", 6, 128, "Ip"],
    ["2001:DB8::1", "2001:db8::1", 6, 128, "Ip"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", 6, 128, "Ip"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 6, 128, "Ip"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", 6, 128, "Ip"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", 6, 128, "Ip"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3", 6, 128, "Ip"],
    ["2001:db8::/32", "2001:db8::/32", 6, 32, "Range"],
    ["2001::/16", "2001::/16", 6, 16, "Range"],
    ["2001:db8::1/128", "2001:db8::1", 6, 128, "Ip"],
    ["::ffff:10.0.0.1", "10.0.0.1", 4, 32, "Ip"],
    ["::FFFF:a00:1", "10.0.0.1", 4, 32, "Ip"],
    ["::ffff:10.0.0.0/104", "10.0.0.0/8", 4, 8, "Range"],
    ["::ffff:203.0.113.7/128", "203.0.113.7", 4, 32, "Ip"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221", 6, 128, "Ip"],
  ] as const)("%j → %s", (raw, value, family, prefix, scope) => {
    const result = parseBanValue(raw);
    expect(result).toEqual({ ok: true, value, family, prefix, scope });
    // What the blocklist renderer writes into an nginx `geo` file.
    if (result.ok) expect(result.value).toMatch(/^[0-9a-f.:/]+$/);
  });

  it("gives the same value for every way of writing an address", () => {
    const forms = ["2001:db8::a", "2001:DB8:0:0:0:0:0:A", "2001:0db8::000a", " 2001:db8::a/128 "];
    expect(new Set(forms.map((f) => (parseBanValue(f) as { value: string }).value))).toEqual(new Set(["2001:db8::a"]));
  });
});

describe("parseBanValue refuses", () => {
  it.each([
    // Injection into the nginx `geo` file or a shell: nothing but the address grammar passes.
    ["1.2.3.4;", `1.2.3.4; is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.4 }", `"1.2.3.4 }" is not ${BAN_VALUE_PATTERN}`],
    ['"1.2.3.4"', `"1.2.3.4" is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.4\nallow all", `"1.2.3.4\\nallow all" is not ${BAN_VALUE_PATTERN}`],
    ["$remote_addr", `$remote_addr is not ${BAN_VALUE_PATTERN}`],
    ["{", `{ is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.4 1.2.3.5", `"1.2.3.4 1.2.3.5" is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.4'", `1.2.3.4' is not ${BAN_VALUE_PATTERN}`],
    ["example.com", `example.com is not ${BAN_VALUE_PATTERN}`],
    ["deadbeef", `deadbeef is not ${BAN_VALUE_PATTERN}`],
    ["", "Enter an IP address or CIDR range to ban"],
    ["   ", "Enter an IP address or CIDR range to ban"],
    // Not an address.
    ["1.2.3", `1.2.3 is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.4.5", `1.2.3.4.5 is not ${BAN_VALUE_PATTERN}`],
    ["256.1.1.1", `256.1.1.1 is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.4/24/8", `1.2.3.4/24/8 is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.0/", `1.2.3.0/ is not ${BAN_VALUE_PATTERN}`],
    ["1.2.3.0/-1", `1.2.3.0/-1 is not ${BAN_VALUE_PATTERN}`],
    ["1:2:3:4:5:6:7:8:9", `1:2:3:4:5:6:7:8:9 is not ${BAN_VALUE_PATTERN}`],
    ["1:2:3:4:5:6:7", `1:2:3:4:5:6:7 is not ${BAN_VALUE_PATTERN}`],
    ["1::2::3", `1::2::3 is not ${BAN_VALUE_PATTERN}`],
    [":::", `::: is not ${BAN_VALUE_PATTERN}`],
    [":1:2:3:4:5:6:7", `:1:2:3:4:5:6:7 is not ${BAN_VALUE_PATTERN}`],
    ["1:2:3:4:5:6:7:8::", `1:2:3:4:5:6:7:8:: is not ${BAN_VALUE_PATTERN}`],
    ["12345::1", `12345::1 is not ${BAN_VALUE_PATTERN}`],
    ["::1.2.3.4:5", `::1.2.3.4:5 is not ${BAN_VALUE_PATTERN}`],
    ["[::1]", `[::1] is not ${BAN_VALUE_PATTERN}`],
    ["a".repeat(80), `${JSON.stringify("a".repeat(64) + "…")} is not ${BAN_VALUE_PATTERN}`],
    // Ports and zones, with a message that says what to drop.
    ["1.2.3.4:80", "1.2.3.4:80 includes a port; ban the address without it"],
    ["[2001:db8::1]:443", "[2001:db8::1]:443 includes a port; ban the address without it"],
    ["fe80::1%eth0", "fe80::1%eth0 has a zone id (the part after %); ban the address without it"],
    ["$remote%", `$remote% is not ${BAN_VALUE_PATTERN}`],
    // 010 is 8 to inet_aton and 10 to others.
    ["010.1.1.1", "010.1.1.1 has a number with a leading zero, which tools read differently; write it without"],
    ["10.0.0.0/08", "10.0.0.0/08 has a number with a leading zero, which tools read differently; write it without"],
    ["::ffff:010.0.0.1", "::ffff:010.0.0.1 has a number with a leading zero, which tools read differently; write it without"],
    // Prefixes.
    ["1.2.3.4/33", "1.2.3.4/33 has a prefix out of range: an IPv4 prefix is at most /32"],
    ["2001:db8::/129", "2001:db8::/129 has a prefix out of range: an IPv6 prefix is at most /128"],
    ["0.0.0.0/0", "0.0.0.0/0 would ban every IPv4 address"],
    ["::/0", "::/0 would ban every IPv6 address"],
    ["10.0.0.0/7", "10.0.0.0/7 is too wide to ban: an IPv4 range must be /8 or narrower"],
    ["2000::/15", "2000::/15 is too wide to ban: an IPv6 range must be /16 or narrower"],
    ["::ffff:0.0.0.0/96", "::ffff:0.0.0.0/96 would ban every IPv4 address"],
    // Host bits, with the network the admin probably meant.
    ["10.1.2.3/8", "10.1.2.3/8 has host bits set; did you mean 10.0.0.0/8?"],
    ["203.0.113.7/24", "203.0.113.7/24 has host bits set; did you mean 203.0.113.0/24?"],
    ["2001:db8::1/16", "2001:db8::1/16 has host bits set; did you mean 2001::/16?"],
    ["::ffff:10.1.2.3/104", "::ffff:10.1.2.3/104 has host bits set; did you mean 10.0.0.0/8?"],
  ])("%j", (raw, message) => {
    expect(parseBanValue(raw)).toEqual({ ok: false, message });
  });
});

describe("addressInRange", () => {
  it.each([
    ["203.0.113.7", "203.0.113.0/24", true],
    ["203.0.114.7", "203.0.113.0/24", false],
    ["203.0.113.7", "203.0.113.7", true],
    ["203.0.113.8", "203.0.113.7", false],
    ["127.0.0.1", "127.0.0.0/8", true],
    ["::ffff:127.0.0.1", "127.0.0.0/8", true],
    ["127.0.0.1", "::ffff:127.0.0.0/104", true],
    ["2001:db8::7", "2001:db8::/32", true],
    ["2001:db9::7", "2001:db8::/32", false],
    ["2001:DB8:0::7", "2001:db8::7", true],
    ["::1", "127.0.0.0/8", false],
    ["127.0.0.1", "::/0", false],
    ["203.0.113.0/25", "203.0.113.0/24", true],
    ["203.0.113.0/23", "203.0.113.0/24", false],
    ["not an address", "0.0.0.0/0", false],
    ["203.0.113.7", "garbage", false],
  ])("%s in %s: %s", (address, range, inside) => {
    expect(addressInRange(address, range)).toBe(inside);
  });
});

describe("rangesOverlap", () => {
  it.each([
    ["10.0.0.0/8", "10.1.0.0/16", true],
    ["10.1.0.0/16", "10.0.0.0/8", true],
    ["10.1.0.0/16", "10.2.0.0/16", false],
    ["10.1.2.3", "10.1.2.3", true],
    ["10.1.2.3", "10.1.2.0/24", true],
    ["2001:db8::/32", "2001:db8:1::/48", true],
    ["2001:db8::/32", "2001:db9::/32", false],
    ["10.0.0.0/8", "::ffff:10.0.0.0/104", true],
    ["10.0.0.0/8", "2001:db8::/32", false],
    ["10.0.0.0/8", "x", false],
  ])("%s and %s: %s", (a, b, overlap) => {
    expect(rangesOverlap(a, b)).toBe(overlap);
  });
});

describe("IPv6 canonical form", () => {
  // The WHATWG URL serializer compresses IPv6 as RFC 5952 does: an independent oracle for addresses
  // with runs of zero groups of every length and position.
  it("matches the URL parser's serialization for random addresses", () => {
    let lcg = 19;
    const random = () => (lcg = (lcg * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 2000; n++) {
      const groups = Array.from({ length: 8 }, () => (random() < 0.5 ? 0 : Math.floor(random() * 0x10000)));
      if (groups.slice(0, 6).every((g, i) => (i < 5 ? g === 0 : g === 0xffff))) continue; // IPv4-mapped: becomes IPv4
      const written = groups
        .map((g) =>
          g
            .toString(16)
            .toUpperCase()
            .padStart(random() < 0.5 ? 4 : 1, "0"),
        )
        .join(":");
      const expected = new URL(`http://[${written}]/`).hostname.slice(1, -1);
      expect(parseBanValue(written), written).toEqual({ ok: true, value: expected, family: 6, prefix: 128, scope: "Ip" });
    }
  });
});
