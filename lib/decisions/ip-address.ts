// IPv4 and IPv6 addresses and CIDR ranges as numbers: a strict parser and the canonical form (IPv4
// dotted without leading zeros, IPv6 compressed lower-case per RFC 5952). Pure: the browser's ban form
// and the server share it, and the blocklist renderer checks LAPI's values with it before they reach
// an nginx file, so it accepts nothing but digits, hex letters, dots, colons and one slash.

export type IpFamily = 4 | 6;

/** An address (`prefix` = its width, `hasPrefix` false) or a CIDR as written (host bits may be set). */
export type IpNumber = { family: IpFamily; bits: bigint; prefix: number; hasPrefix: boolean };

/** Why a text is no address; `syntax` means it is not even shaped like one (the caller names the value). */
export type IpParseError = { kind: "syntax" } | { kind: "zone" } | { kind: "leading-zero" } | { kind: "prefix-range"; family: IpFamily };

export const WIDTH: Record<IpFamily, number> = { 4: 32, 6: 128 };

// Longest possible address with a prefix: a full IPv6 with an embedded IPv4 tail and "/128" (50
// characters); anything longer is refused before any parsing.
const MAX_LENGTH = 64;
const IP_CHARACTERS = /^[0-9A-Fa-f.:/]+$/;
const DECIMAL = /^(0|[1-9][0-9]{0,2})$/;
const DECIMAL_WITH_ZEROS = /^[0-9]{1,3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const MAPPED_PREFIX = 0xffffn;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: IpParseError };
const fail = <T>(error: IpParseError): Parsed<T> => ({ ok: false, error });

function parseIpv4(text: string): Parsed<bigint> {
  const parts = text.split(".");
  if (parts.length !== 4) return fail({ kind: "syntax" });
  let bits = 0n;
  for (const part of parts) {
    // 010 reads as octal to some tools (inet_aton) and as decimal to others: refuse rather than guess.
    if (!DECIMAL.test(part)) return fail(DECIMAL_WITH_ZEROS.test(part) ? { kind: "leading-zero" } : { kind: "syntax" });
    const octet = Number(part);
    if (octet > 255) return fail({ kind: "syntax" });
    bits = (bits << 8n) | BigInt(octet);
  }
  return { ok: true, value: bits };
}

/** Hex groups (and an IPv4 tail as the last two) of one side of "::". */
function groups(side: string, last: boolean): Parsed<number[]> {
  if (side === "") return { ok: true, value: [] };
  const out: number[] = [];
  const parts = side.split(":");
  for (const [i, part] of parts.entries()) {
    if (last && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (!v4.ok) return fail(v4.error);
      out.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
    } else if (HEX_GROUP.test(part)) {
      out.push(parseInt(part, 16));
    } else {
      return fail({ kind: "syntax" });
    }
  }
  return { ok: true, value: out };
}

function parseIpv6(text: string): Parsed<bigint> {
  const halves = text.split("::");
  if (halves.length > 2) return fail({ kind: "syntax" });
  const head = groups(halves[0]!, halves.length === 1);
  if (!head.ok) return head;
  const tail = halves.length === 2 ? groups(halves[1]!, true) : ({ ok: true, value: [] } as const);
  if (!tail.ok) return tail;
  const explicit = head.value.length + tail.value.length;
  // "::" stands for at least one zero group; without it, all eight must be written.
  if (halves.length === 2 ? explicit > 7 : explicit !== 8) return fail({ kind: "syntax" });
  const all = [...head.value, ...Array<number>(8 - explicit).fill(0), ...tail.value];
  return { ok: true, value: all.reduce((bits, group) => (bits << 16n) | BigInt(group), 0n) };
}

/**
 * Parses an address or CIDR (no whitespace, no zone, no brackets, no port). An IPv4-mapped IPv6
 * address (::ffff:a.b.c.d, prefix /96 or longer) becomes the IPv4 address it maps.
 */
export function parseIp(text: string): Parsed<IpNumber> {
  const zone = text.indexOf("%");
  if (zone >= 0) return fail(zone <= MAX_LENGTH && parseIpv6(text.slice(0, zone)).ok ? { kind: "zone" } : { kind: "syntax" });
  if (text.length === 0 || text.length > MAX_LENGTH || !IP_CHARACTERS.test(text)) return fail({ kind: "syntax" });
  const [address, prefixText, extra] = text.split("/");
  if (extra !== undefined || address === undefined) return fail({ kind: "syntax" });
  const family: IpFamily = address.includes(":") ? 6 : 4;
  const parsed = family === 4 ? parseIpv4(address) : parseIpv6(address);
  if (!parsed.ok) return parsed;
  let prefix = WIDTH[family];
  if (prefixText !== undefined) {
    if (!DECIMAL.test(prefixText)) return fail(DECIMAL_WITH_ZEROS.test(prefixText) ? { kind: "leading-zero" } : { kind: "syntax" });
    prefix = Number(prefixText);
    if (prefix > WIDTH[family]) return fail({ kind: "prefix-range", family });
  }
  const ip: IpNumber = { family, bits: parsed.value, prefix, hasPrefix: prefixText !== undefined };
  if (family === 6 && ip.bits >> 32n === MAPPED_PREFIX && prefix >= 96) {
    return { ok: true, value: { family: 4, bits: ip.bits & 0xffffffffn, prefix: prefix - 96, hasPrefix: ip.hasPrefix } };
  }
  return { ok: true, value: ip };
}

/** The range's first address (host bits cleared). */
export function networkOf(ip: { family: IpFamily; bits: bigint; prefix: number }): bigint {
  const hostBits = BigInt(WIDTH[ip.family] - ip.prefix);
  return (ip.bits >> hostBits) << hostBits;
}

function formatIpv6(bits: bigint): string {
  const all = Array.from({ length: 8 }, (_, i) => Number((bits >> BigInt(16 * (7 - i))) & 0xffffn));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (all[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && all[end] === 0) end++;
    if (end - i > bestLength) [bestStart, bestLength] = [i, end - i];
    i = end;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(all);
  return `${hex(all.slice(0, bestStart))}::${hex(all.slice(bestStart + bestLength))}`;
}

/** The canonical text of an address (no prefix). */
export function formatAddress(family: IpFamily, bits: bigint): string {
  if (family === 6) return formatIpv6(bits);
  return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 0xffn)).join(".");
}

/** Is `inner` (an address or a whole range) inside `outer`? Different families never are. */
export function contains(outer: { family: IpFamily; bits: bigint; prefix: number }, inner: { family: IpFamily; bits: bigint; prefix: number }): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  return networkOf(outer) === networkOf({ ...inner, prefix: outer.prefix });
}
