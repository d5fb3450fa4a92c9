import { z } from "zod";

// The strict grammar of everything an admin types that ends up in the edge's nginx or ModSecurity files.
// A value is accepted only if it matches the grammar whole; nothing is escaped into shape. The form, the
// use case and the renderer (again, before a byte is written) all call these functions, so a value that
// would need quoting in nginx (`;`, braces, quotes, spaces, newlines, `$`, `#`, non-ASCII) never gets there.
// Shared with the browser: no server code here.

export const HOST_MAX_LENGTH = 253;
export const HOSTS_PER_SITE_MAX = 20;
export const UPSTREAM_MAX_LENGTH = 300;
/** Bytes: 1 KiB … 1 GiB; 10 MB by default. */
export const MAX_BODY_BYTES = { min: 1024, max: 1024 * 1024 * 1024, default: 10 * 1024 * 1024 } as const;
/** CRS rule ids are 6-digit numbers; ModSecurity accepts ids from 1 to 9,999,999. */
export const RULE_ID = { min: 1, max: 9_999_999 } as const;
export const SITE_WAF_MODES = ["inherit", "off"] as const;
export type SiteWafMode = (typeof SITE_WAF_MODES)[number];
/** `inherit`: the rate limit switch applies to the site; `off`: the edge never limits it. */
export const SITE_RATE_LIMIT_MODES = ["inherit", "off"] as const;
export type SiteRateLimitMode = (typeof SITE_RATE_LIMIT_MODES)[number];

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** What is wrong with a character, named so the admin sees what to remove. */
function forbiddenCharacter(value: string): string | null {
  for (const ch of value) {
    if (ch === "\n" || ch === "\r") return "a line break";
    if (ch === " " || ch === "\t") return "a space";
    if (ch === ";" || ch === "{" || ch === "}" || ch === '"' || ch === "'" || ch === "`" || ch === "$" || ch === "#" || ch === "\\")
      return `the character ${ch}`;
    if (ch.charCodeAt(0) > 126) return `the non-ASCII character ${ch} (use the xn-- form of an international name)`;
    if (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127) return "a control character";
  }
  return null;
}

/**
 * A host name the edge serves: an exact DNS name (`app.example.com`) or a leading wildcard
 * (`*.example.com`), ASCII letters, digits and hyphens in dot-separated labels. Returns the lower-case
 * form, or throws a message.
 */
export function parseHostName(raw: string): string {
  const bad = forbiddenCharacter(raw);
  if (bad) throw new GrammarError(`Host name "${printable(raw)}" contains ${bad}`);
  const host = raw.toLowerCase();
  if (host.length === 0) throw new GrammarError("Host name is empty");
  if (host.length > HOST_MAX_LENGTH) throw new GrammarError(`Host name is longer than ${HOST_MAX_LENGTH} characters`);
  const wildcard = host.startsWith("*.");
  const labels = (wildcard ? host.slice(2) : host).split(".");
  if (wildcard && labels.length < 2) throw new GrammarError(`Wildcard "${host}" must cover a domain with a dot, e.g. *.example.com`);
  for (const label of labels) {
    if (label === "*") throw new GrammarError(`Host name "${host}": a wildcard is allowed only as the first label (*.example.com)`);
    if (!LABEL.test(label))
      throw new GrammarError(
        `Host name "${host}" is not a DNS name: each part between dots is 1–63 letters, digits or hyphens, not starting or ending with a hyphen`,
      );
  }
  if (/^[0-9.]+$/.test(host)) throw new GrammarError(`"${host}" is an address, not a host name`);
  return host;
}

export interface Upstream {
  scheme: "http" | "https";
  /** A DNS name, an IPv4 address, or an IPv6 address in brackets. */
  host: string;
  port: number;
  /** `scheme://host:port`, the port always written. */
  url: string;
}

const IPV4 = /^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const IPV6_BRACKETED = /^\[[0-9a-f:.]{2,45}\]$/;

/** `http://host:port` or `https://host:port` (no path, no credentials, no query). Throws a message. */
export function parseUpstream(raw: string): Upstream {
  const bad = forbiddenCharacter(raw);
  if (bad) throw new GrammarError(`Upstream "${printable(raw)}" contains ${bad}`);
  if (raw.length > UPSTREAM_MAX_LENGTH) throw new GrammarError(`Upstream is longer than ${UPSTREAM_MAX_LENGTH} characters`);
  const match = /^(https?):\/\/(\[[^\]]*\]|[^/:@?]+)(?::([0-9]{1,5}))?\/?$/i.exec(raw);
  if (!match) throw new GrammarError(`Upstream "${raw}" must look like http://host:port or https://host:port (no path, user or query)`);
  const scheme = match[1]!.toLowerCase() as "http" | "https";
  const hostPart = match[2]!.toLowerCase();
  let host: string;
  if (hostPart.startsWith("[")) {
    if (!IPV6_BRACKETED.test(hostPart)) throw new GrammarError(`Upstream "${raw}": "${hostPart}" is not an IPv6 address`);
    host = hostPart;
  } else if (IPV4.test(hostPart)) {
    host = hostPart;
  } else {
    try {
      host = parseHostName(hostPart);
    } catch (error) {
      throw new GrammarError(`Upstream "${raw}": ${(error as Error).message}`);
    }
    if (host.startsWith("*.")) throw new GrammarError(`Upstream "${raw}": an upstream cannot be a wildcard`);
  }
  const port = match[3] === undefined ? (scheme === "https" ? 443 : 80) : Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new GrammarError(`Upstream "${raw}": the port must be 1–65535`);
  return { scheme, host, port, url: `${scheme}://${host}:${port}` };
}

/** A WAF rule id: a whole number in ModSecurity's range. */
export function parseRuleId(raw: unknown): number {
  const n = typeof raw === "string" && /^ *[0-9]{1,7} *$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < RULE_ID.min || n > RULE_ID.max)
    throw new GrammarError(`Rule id must be a whole number from ${RULE_ID.min} to ${RULE_ID.max.toLocaleString("en")}`);
  return n;
}

/** A value refused by the grammar: its message is shown beside the field. */
export class GrammarError extends Error {
  override readonly name = "GrammarError";
}

/** Control characters and line breaks shown as escapes, so a message never carries them. */
function printable(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

const grammar = <T>(parse: (raw: string) => T) =>
  z.string({ error: "must be text" }).transform((raw, ctx) => {
    try {
      return parse(raw);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });

export const ZHostName = grammar(parseHostName);
export const ZUpstream = grammar(parseUpstream);

/** The fields of a site as the admin edits them (create, or the whole site on update). */
export const ZSiteFields = z
  .object({
    hosts: z
      .array(ZHostName, { error: "hosts must be a list of host names" })
      .min(1, "A site needs at least one host name")
      .max(HOSTS_PER_SITE_MAX, `A site has at most ${HOSTS_PER_SITE_MAX} host names`)
      .superRefine((hosts, ctx) => {
        const seen = new Set<string>();
        for (const h of hosts) {
          if (seen.has(h)) ctx.addIssue({ code: "custom", message: `Host name ${h} is listed twice` });
          seen.add(h);
        }
      }),
    upstream: ZUpstream,
    tlsVerify: z.boolean({ error: "tlsVerify must be true or false" }),
    enabled: z.boolean({ error: "enabled must be true or false" }),
    maxBodyBytes: z
      .number({ error: "Maximum body size must be a number" })
      .int("Maximum body size must be a whole number of bytes")
      .min(MAX_BODY_BYTES.min, `Maximum body size must be at least ${MAX_BODY_BYTES.min} bytes`)
      .max(MAX_BODY_BYTES.max, "Maximum body size must be at most 1 GiB"),
    waf: z.enum(SITE_WAF_MODES, { error: () => "WAF must be inherit or off" }),
    // Optional for clients written before sites had it: they get the protection, not its absence.
    rateLimit: z.enum(SITE_RATE_LIMIT_MODES, { error: () => "Rate limiting must be inherit or off" }).default("inherit"),
  })
  .strict();
export type SiteFields = z.infer<typeof ZSiteFields>;
