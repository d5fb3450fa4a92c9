// @ts-check
import { isIP } from "node:net";
import { z } from "zod";

// Warden's configuration: every WARDEN_*, CROWDSEC_*, DATABASE_URL and PORT variable, in one schema,
// validated together (a bad value fails with a message naming each bad variable). One rule for empty
// strings: an empty (or blank) value is the same as an unset one, so `FOO=` in a .env file means "the
// default". The README's Configuration table documents exactly these names (lib/env.test.ts checks).
// Plain JavaScript so that server.mjs, which Node runs without a TypeScript loader, validates its own
// settings (PORT, WARDEN_TRUSTED_PROXIES, WARDEN_PUBLIC_URL, WARDEN_SETUP_TOKEN) by this schema too;
// the app and the CLI read it through env() in lib/env.ts.

const text = z.string().min(1);
/** @param {number} min @param {number} max */
const int = (min, max) => z.coerce.number().int().min(min).max(max);
const port = int(1, 65535);
const flag = z.enum(["true", "false", "1", "0"], { message: "must be true, false, 1 or 0" }).transform((v) => v === "true" || v === "1");

/** An address nginx listens on: an IPv4 address or a bracketed IPv6 one, then a port (no host names: nginx would resolve them). */
const listenAddress = z
  .string()
  .trim()
  .regex(/^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/, {
    message: "must be an IPv4 address or a bracketed IPv6 address with a port, e.g. 127.0.0.1:8080 or [::1]:8080",
  })
  .refine((v) => {
    const port = Number(v.slice(v.lastIndexOf(":") + 1));
    return port >= 1 && port <= 65535;
  }, "the port must be 1–65535");

/**
 * One entry of a list of trusted proxies (the panel's WARDEN_TRUSTED_PROXIES, read by
 * lib/server/request-trust.mjs, and the edge's WARDEN_EDGE_TRUSTED_PROXIES share this grammar): an IPv4
 * or IPv6 address, or a CIDR range; `::ffff:192.0.2.1` is the IPv4 address it maps. Returns the entry
 * as written normalised, or why it is refused.
 * @param {string} entry
 * @returns {{ address: string; family: 4 | 6; prefix: number | null; text: string } | { error: string }}
 */
export function parseProxyEntry(entry) {
  const [rawAddress, prefix, ...rest] = entry.split("/");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(rawAddress ?? "");
  const address = mapped ? /** @type {string} */ (mapped[1]) : (rawAddress ?? "");
  const family = isIP(address);
  // A zone id (fe80::1%eth0) names an interface of this machine, not an address a proxy connects from.
  if ((family !== 4 && family !== 6) || address.includes("%") || rest.length) return { error: "is not an IP address or CIDR range" };
  if (prefix === undefined) return { address, family, prefix: null, text: address };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return { error: "has an invalid prefix length" };
  return { address, family, prefix: Number(prefix), text: `${address}/${Number(prefix)}` };
}

/** The hint that ends every refusal of a proxy list. */
export const PROXY_LIST_HINT = "expected comma-separated IP addresses or CIDR ranges, e.g. 10.0.0.0/8,::1";

/** A comma-separated list of proxy addresses and ranges (see parseProxyEntry) → the entries, normalised; empty → none. */
const proxyList = z.string().transform((value, ctx) => {
  /** @type {string[]} */
  const entries = [];
  for (const entry of value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parsed = parseProxyEntry(entry);
    if ("error" in parsed) ctx.addIssue({ code: "custom", message: `"${entry}" ${parsed.error} (${PROXY_LIST_HINT})` });
    else entries.push(parsed.text);
  }
  return entries;
});

export const ZEnv = z.object({
  // Database and process
  DATABASE_URL: text.default("file:./data/warden.db").refine((url) => url.startsWith("file:") || /^postgres(ql)?:\/\//.test(url), {
    message: "must be a file: URL (SQLite) or a postgres:// URL (PostgreSQL)",
  }),
  PORT: port.default(3000),
  WARDEN_DATA_DIR: text.default("./data"),
  // The directory whose prisma/<provider>/migrations the migrator reads (unset: the working directory),
  // e.g. an install whose service runs elsewhere, or a test's copy with one more migration.
  WARDEN_ROOT: text.optional(),
  WARDEN_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Unset: on for SQLite (one process), off for PostgreSQL (migrating is a deploy step). */
  WARDEN_MIGRATE_ON_BOOT: flag.optional(),
  // Backups under <WARDEN_DATA_DIR>/backups: how many to keep (older ones are removed after a new one).
  WARDEN_BACKUP_RETENTION: int(1, 1000).default(10),
  // Where pg_dump, pg_restore and psql are (unset: the PATH), e.g. /usr/lib/postgresql/16/bin.
  WARDEN_PG_BIN_DIR: text.optional(),
  /** Set by server.mjs for the app it serves ("warden"): forwarding headers were rewritten by it. */
  WARDEN_HTTP_SERVER: z.literal("warden", { message: 'is set by server.mjs ("warden"); do not set it yourself' }).optional(),

  // Authentication
  WARDEN_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  WARDEN_SETUP_TOKEN: z.string().trim().min(20, "must be at least 20 characters (it is the only thing between a fresh panel and its first admin)").optional(),
  WARDEN_PUBLIC_URL: z.string().url("must be a URL, e.g. https://warden.example.org").optional(),
  WARDEN_SESSION_IDLE_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  WARDEN_SESSION_MAX_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(24),
  WARDEN_LOGIN_MAX_FAILURES: int(1, 1000).default(5),
  WARDEN_LOGIN_WINDOW_SECONDS: int(1, 86_400).default(60),
  // The longest lock of one (account, address) pair or device: the lock doubles at every further
  // WARDEN_LOGIN_MAX_FAILURES failures, up to this.
  WARDEN_LOGIN_MAX_LOCKOUT_SECONDS: int(1, 7 * 86_400).default(3600),
  // Failed sign-ins per account per hour, across all addresses, after which clients the account does
  // not know (no device cookie, no earlier sign-in from their address) are refused for that account.
  WARDEN_LOGIN_ACCOUNT_CEILING: int(1, 1_000_000).default(100),
  /** Parsed (and refused when malformed) by server.mjs, which applies it. */
  WARDEN_TRUSTED_PROXIES: z.string().optional(),

  // The managed CrowdSec agent
  CROWDSEC_INSTANCE_DIR: text.optional(),
  CROWDSEC_LAPI_PORT: port.default(8180),
  CROWDSEC_PROMETHEUS_PORT: port.default(6160),
  CROWDSEC_BIN: text.default("/usr/bin/crowdsec"),
  CROWDSEC_CSCLI: text.default("/usr/bin/cscli"),
  CROWDSEC_ETC_DIR: text.default("/etc/crowdsec"),
  CROWDSEC_SHARE_DIR: text.default("/usr/share/crowdsec"),
  CROWDSEC_READY_TIMEOUT_MS: int(1, 600_000).default(30_000),
  CROWDSEC_STOP_GRACE_MS: int(0, 600_000).default(8_000),
  WARDEN_SELF_HEAL: flag.default(true),
  WARDEN_SELF_HEAL_MAX_ATTEMPTS: int(0, 1000).default(5),
  WARDEN_SELF_HEAL_BACKOFF_MS: int(0, 3_600_000).default(1_000),
  WARDEN_ENGINE_PROBE_MS: int(50, 60_000).default(1_000),
  // An external CrowdSec: where its scenarios and hub are, so drift can read them.
  CROWDSEC_EXTERNAL_CONFIG_DIR: text.optional(),
  CROWDSEC_EXTERNAL_HUB_DIR: text.optional(),
  // An external CrowdSec's credentials for Warden's decision loop (a bouncer key: read decisions) and for
  // ban, unban and alerts (a machine: `cscli machines add`). Never shown in the panel.
  CROWDSEC_EXTERNAL_BOUNCER_KEY: text.optional(),
  CROWDSEC_EXTERNAL_MACHINE_ID: text.optional(),
  CROWDSEC_EXTERNAL_MACHINE_PASSWORD: text.optional(),
  // The decision loop (leader only): LAPI's stream poll and the full resync of the active set.
  WARDEN_DECISIONS_POLL_MS: int(50, 60_000).default(200),
  WARDEN_DECISIONS_RESYNC_MS: int(1_000, 3_600_000).default(30_000),

  // The managed edge (nginx + ModSecurity + OWASP CRS, an isolated instance)
  WARDEN_EDGE_DIR: text.optional(),
  WARDEN_EDGE_LISTEN: listenAddress.default("127.0.0.1:8080"),
  WARDEN_EDGE_CONTROL_LISTEN: listenAddress
    .refine((v) => /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]):/.test(v), { message: "must be a loopback address (127.x.x.x or [::1]) with a port" })
    .default("127.0.0.1:8081"),
  WARDEN_EDGE_RELOAD_TIMEOUT_MS: int(100, 600_000).default(5_000),
  // The proxies (a CDN, a load balancer) whose X-Forwarded-For the edge believes: nginx's real_ip.
  WARDEN_EDGE_TRUSTED_PROXIES: proxyList.default([]),
  // How often each enabled site's upstream is probed (a TCP connect, and a TLS handshake for https).
  WARDEN_UPSTREAM_PROBE_INTERVAL_MS: int(1_000, 3_600_000).default(15_000),
  // Verify protection on the leader: probes through the edge this often; 0 turns the schedule off.
  WARDEN_VERIFY_INTERVAL_MS: int(0, 86_400_000).default(600_000),

  // Drift detection and the WAF tuning file
  WARDEN_DRIFT_INTERVAL_MS: int(100, 86_400_000).default(60_000),
  WARDEN_DRIFT_ENGINE_INTERVAL_MS: int(100, 3_600_000).default(2_000),
  WARDEN_DRIFT_WATCH: flag.default(true),
  WARDEN_DRIFT_DEBOUNCE_MS: int(0, 10_000).default(100),
  WARDEN_WAF_TUNING_FILE: text.optional(),
});

/** Every variable the schema knows, in schema order. */
export const ENV_VARIABLES = /** @type {(keyof z.infer<typeof ZEnv>)[]} */ (Object.keys(ZEnv.shape));

/**
 * The schema's variables as set in `source`; empty or blank values count as unset.
 * @param {Readonly<Record<string, string | undefined>>} source
 * @returns {Record<string, string>}
 */
export function presentVariables(source) {
  /** @type {Record<string, string>} */
  const values = {};
  for (const name of ENV_VARIABLES) {
    const value = source[name];
    if (value !== undefined && value.trim() !== "") values[name] = value;
  }
  return values;
}

/**
 * Validates `source` against the schema; a bad value throws one message naming each bad variable.
 * @param {Readonly<Record<string, string | undefined>>} source
 * @returns {z.infer<typeof ZEnv>}
 */
export function parseEnv(source) {
  const parsed = ZEnv.safeParse(presentVariables(source));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}
