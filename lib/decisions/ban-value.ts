import { contains, formatAddress, networkOf, parseIp, WIDTH, type IpFamily, type IpNumber } from "./ip-address";

// What an admin may ban: one address or a CIDR range, in canonical form. The same rules check the
// values CrowdSec's Local API returns before the blocklist renderer writes them into the edge's
// nginx `geo` file, so an accepted value holds only [0-9a-f.:/].

export const BAN_VALUE_PATTERN = "an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24";

/**
 * The widest ranges a ban may cover: a /7 of IPv4 is 1/128 of the internet and /15 of IPv6 more than
 * any one network holds; wider is a typo or a mistake that takes the sites offline for everyone.
 */
export const MIN_PREFIX: Record<IpFamily, number> = { 4: 8, 6: 16 };

export type BanValue = { value: string; family: IpFamily; prefix: number; scope: "Ip" | "Range" };
export type BanValueResult = ({ ok: true } & BanValue) | { ok: false; message: string };

const SHOWN_AS_IS = /^[\x21-\x7e]{1,64}$/;

/** The value as a message may show it: plain when it is printable, quoted and escaped otherwise. */
function shown(text: string): string {
  if (SHOWN_AS_IS.test(text)) return text;
  const cut = [...text].slice(0, 64).join("");
  return JSON.stringify(cut.length < text.length ? `${cut}…` : cut);
}

const ADDRESS_WITH_PORT = /^(\d{1,3}(\.\d{1,3}){3}:\d+|\[[0-9A-Fa-f:.]+\]:\d+)$/;

function refuse(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/** The canonical text of an address or range (a range as wide as one address is that address). */
function canonical(ip: { family: IpFamily; bits: bigint; prefix: number }): string {
  const address = formatAddress(ip.family, networkOf(ip));
  return ip.prefix === WIDTH[ip.family] ? address : `${address}/${ip.prefix}`;
}

/** Parses what an admin typed (or LAPI returned) as a ban's value; surrounding whitespace is ignored. */
export function parseBanValue(raw: string): BanValueResult {
  const text = raw.trim();
  if (text === "") return refuse("Enter an IP address or CIDR range to ban");
  const parsed = parseIp(text);
  if (!parsed.ok) {
    const error = parsed.error;
    if (error.kind === "zone") return refuse(`${shown(text)} has a zone id (the part after %); ban the address without it`);
    if (error.kind === "leading-zero") return refuse(`${shown(text)} has a number with a leading zero, which tools read differently; write it without`);
    if (error.kind === "prefix-range")
      return refuse(`${shown(text)} has a prefix out of range: an IPv${error.family} prefix is at most /${WIDTH[error.family]}`);
    if (ADDRESS_WITH_PORT.test(text)) return refuse(`${shown(text)} includes a port; ban the address without it`);
    return refuse(`${shown(text)} is not ${BAN_VALUE_PATTERN}`);
  }
  const ip = parsed.value;
  if (ip.prefix === 0) return refuse(`${shown(text)} would ban every IPv${ip.family} address`);
  if (ip.prefix < MIN_PREFIX[ip.family])
    return refuse(`${shown(text)} is too wide to ban: an IPv${ip.family} range must be /${MIN_PREFIX[ip.family]} or narrower`);
  if (networkOf(ip) !== ip.bits) return refuse(`${shown(text)} has host bits set; did you mean ${canonical(ip)}?`);
  const single = ip.prefix === WIDTH[ip.family];
  return { ok: true, value: canonical(ip), family: ip.family, prefix: ip.prefix, scope: single ? "Ip" : "Range" };
}

/** An address or range in any form `parseIp` reads (IPv4-mapped included), or null. No width rules. */
function read(text: string): IpNumber | null {
  const parsed = parseIp(text.trim());
  return parsed.ok ? parsed.value : null;
}

/** Is `address` (or, if it is a range, all of it) inside `range`? False when either does not parse. */
export function addressInRange(address: string, range: string): boolean {
  const inner = read(address);
  const outer = read(range);
  return inner !== null && outer !== null && contains(outer, inner);
}

/** Do two addresses or ranges share at least one address? False when either does not parse. */
export function rangesOverlap(a: string, b: string): boolean {
  const first = read(a);
  const second = read(b);
  if (first === null || second === null) return false;
  return contains(first, second) || contains(second, first);
}
