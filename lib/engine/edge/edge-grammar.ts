import { GrammarError, parseHostName, parseRuleId, parseUpstream, type Upstream } from "../../sites/grammar";

// The edge's side of the one grammar for admin-typed values that end up in its nginx or ModSecurity
// files. Host names, upstreams and rule ids are checked by lib/sites/grammar.ts, the rules the form
// and the sites store apply too; this module turns their refusals into per-field sentences for the
// intent validator, adds what only the edge has (the site id that names files), and holds the quoting
// helpers at the bottom, which refuse anything outside the grammar again: a value that could close a
// directive (`;`), open or close a block (`{`, `}`), start a comment (`#`), name a variable (`$`),
// quote, space, a line break or any non-ASCII character never reaches a file.

export type { Upstream };
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(reason: string): Checked<T> => ({ ok: false, reason });

const SITE_ID = /^[a-z0-9](?:[a-z0-9_-]{0,62})$/;

/** The sites grammar's verdict as a Checked value; anything but a GrammarError is a bug and propagates. */
function checked<T>(parse: () => T): Checked<T> {
  try {
    return ok(parse());
  } catch (error) {
    if (error instanceof GrammarError) return bad(error.message);
    throw error;
  }
}

/** A site's host name, exact or a leading wildcard, lower-cased (lib/sites/grammar.ts parseHostName). */
export function checkHostname(input: unknown): Checked<string> {
  if (typeof input !== "string") return bad("a host name must be text");
  return checked(() => parseHostName(input));
}

/** `http://host:port` or `https://host:port`, the port made explicit (lib/sites/grammar.ts parseUpstream). */
export function checkUpstream(input: unknown): Checked<Upstream> {
  if (typeof input !== "string") return bad("the upstream must be text");
  return checked(() => parseUpstream(input));
}

/** A ModSecurity rule id, a number or digits (lib/sites/grammar.ts parseRuleId). */
export function checkRuleId(input: unknown): Checked<number> {
  return checked(() => parseRuleId(input));
}

/** A site id (it names the site's file and upstream): lower-case letters, digits, "_" and "-". */
export function checkSiteId(input: unknown): Checked<string> {
  if (typeof input !== "string" || !SITE_ID.test(input)) {
    return bad(`the site id "${printable(String(input))}" must be 1–63 lower-case letters, digits, "_" or "-", starting with a letter or digit`);
  }
  return ok(input);
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
