import net from "node:net";

// The grammar of every admin-typed value that ends up in the edge's nginx or ModSecurity files. A
// value is checked here before anything is rendered, and rendered only through the quoting helpers
// at the bottom, which refuse anything outside the grammar again: a value that could close a
// directive (`;`), open or close a block (`{`, `}`), start a comment (`#`), name a variable (`$`),
// quote, space, a line break or any non-ASCII character never reaches a file.
//
// Each check returns the normalised value or a sentence saying what is wrong (never throws): the
// intent validator collects them per field.

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/** Names the first character a grammar refuses, readably ("a space", "U+00E9"). */
function describeChar(c: string): string {
  const named: Record<string, string> = {
    " ": "a space",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    ";": '";"',
    "{": '"{"',
    "}": '"}"',
    '"': "a double quote",
    "'": "a single quote",
    $: '"$"',
    "#": '"#"',
    "\\": "a backslash",
  };
  if (named[c]) return named[c]!;
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `a control character (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
  if (code > 0x7e) return `a non-ASCII character (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
  return `"${c}"`;
}

function firstOutside(value: string, allowed: RegExp): string | null {
  for (const c of value) if (!allowed.test(c)) return c;
  return null;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const HOST_CHARS = /^[a-z0-9.-]$/;
const SITE_ID = /^[a-z0-9](?:[a-z0-9_-]{0,62})$/;

/** A DNS name (letters, digits, hyphens; labels of 1–63, at most 253 in all), lower-cased. */
function checkDnsName(name: string, what: string): Checked<string> {
  const lower = name.toLowerCase();
  const c = firstOutside(lower, HOST_CHARS);
  if (c !== null) return bad(`${what} contains ${describeChar(c)}; only letters a–z, digits, "-" and "." are allowed`);
  if (lower.length > 253) return bad(`${what} is longer than 253 characters`);
  const labels = lower.split(".");
  for (const label of labels) {
    if (label === "") return bad(`${what} has an empty label (two dots in a row, or a dot at the start or end)`);
    if (!LABEL.test(label)) return bad(`${what} has the label "${label}": a label is 1–63 letters, digits or "-", not starting or ending with "-"`);
  }
  return ok(lower);
}

/**
 * A site's host name: an exact name (`shop.example.com`) or a leading wildcard (`*.example.com`,
 * which nginx matches for any name ending in `.example.com`, at any depth, but not `example.com`).
 */
export function checkHostname(input: unknown): Checked<string> {
  if (typeof input !== "string") return bad("a host name must be text");
  if (input.length === 0) return bad("a host name cannot be empty");
  if (input.length > 255) return bad("a host name is at most 253 characters");
  const wildcard = input.startsWith("*.");
  const rest = wildcard ? input.slice(2) : input;
  if (rest.includes("*")) return bad(`"${printable(input)}" has a "*" that is not a leading "*." (only *.example.com style wildcards are supported)`);
  const name = checkDnsName(rest, `the host name "${printable(input)}"`);
  if (!name.ok) return name;
  if (wildcard && !name.value.includes(".")) return bad(`the wildcard "${printable(input)}" would match a whole top-level domain`);
  return ok(wildcard ? `*.${name.value}` : name.value);
}

export interface Upstream {
  scheme: "http" | "https";
  /** A DNS name, an IPv4 address, or a bracketed IPv6 address. */
  host: string;
  port: number;
}

/** `http://host:port` or `https://host:port` (the port may be left out: 80 / 443); nothing else, no path. */
export function checkUpstream(input: unknown): Checked<Upstream> {
  if (typeof input !== "string") return bad("the upstream must be text");
  const c = firstOutside(input, /^[A-Za-z0-9.:/[\]-]$/);
  if (c !== null) return bad(`the upstream "${printable(input)}" contains ${describeChar(c)}`);
  const m = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+)(?::(\d{1,5}))?\/?$/.exec(input);
  if (!m) return bad(`the upstream "${printable(input)}" is not of the form http://host:port or https://host:port (no path)`);
  const scheme = m[1] as "http" | "https";
  let host = m[2]!.toLowerCase();
  if (host.startsWith("[")) {
    if (!net.isIPv6(host.slice(1, -1))) return bad(`the upstream's address ${host} is not an IPv6 address`);
  } else if (!net.isIPv4(host)) {
    const name = checkDnsName(host, `the upstream's host "${host}"`);
    if (!name.ok) return name;
    host = name.value;
  }
  const port = m[3] === undefined ? (scheme === "https" ? 443 : 80) : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return bad(`the upstream's port ${m[3]} is not 1–65535`);
  return ok({ scheme, host, port });
}

/** A site id (it names the site's file and upstream): lower-case letters, digits, "_" and "-". */
export function checkSiteId(input: unknown): Checked<string> {
  if (typeof input !== "string" || !SITE_ID.test(input)) {
    return bad(`the site id "${printable(String(input))}" must be 1–63 lower-case letters, digits, "_" or "-", starting with a letter or digit`);
  }
  return ok(input);
}

/** A ModSecurity rule id: a whole number 1–999,999,999, given as a number or as digits only. */
export function checkRuleId(input: unknown): Checked<number> {
  const text = typeof input === "number" ? String(input) : input;
  if (typeof text !== "string" || !/^[0-9]{1,9}$/.test(text))
    return bad(`the rule id "${printable(String(input))}" is not a number (digits only, e.g. 941100)`);
  const id = Number(text);
  if (id < 1) return bad("a rule id is at least 1");
  return ok(id);
}

/** A value shown inside a message: control and non-ASCII characters escaped, length capped. */
export function printable(value: string): string {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}…` : escaped;
}

// ---------------------------------------------------------------------------------------------
// Rendering: the only way a checked value enters a file. Each refuses (throws) what its grammar
// does not allow, so a caller that skipped the checks above still cannot write a directive.

const NGINX_TOKEN = /^[A-Za-z0-9.:[\]*_/-]+$/;

/** A value as one bare nginx token (host names, upstream addresses, paths Warden built). */
export function nginxToken(value: string): string {
  if (!NGINX_TOKEN.test(value)) throw new Error(`refusing to render ${JSON.stringify(value)} into nginx configuration`);
  return value;
}

/** A path Warden built (instance or package paths, a `*.conf` glob), as one bare token. */
export function barePath(value: string): string {
  if (!/^\/[A-Za-z0-9._/+*-]*$/.test(value))
    throw new Error(`refusing to render the path ${JSON.stringify(value)}: only A–Z, a–z, 0–9 and . _ / + - are supported`);
  return value;
}

/** The same, as a double-quoted nginx or ModSecurity string. */
export function quotedPath(value: string): string {
  return `"${barePath(value)}"`;
}

/** A regular-expression literal for an exact string of the host grammar. */
export function regexLiteral(value: string): string {
  if (!/^[a-z0-9.-]+$/.test(value)) throw new Error(`refusing to render ${JSON.stringify(value)} into a rule`);
  return value.replace(/[.-]/g, (c) => `\\${c}`);
}
