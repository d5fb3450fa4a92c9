import { nginxToken, quotedPath } from "./edge-grammar";
import { servedSites, type EdgeIntent, type EdgeRateLimit, type ResolvedSite } from "./edge-intent";
import { RESERVED_SOURCES } from "./reserved-sources";
import { EDGE_LOG_FILES, formatListen, TEMP_DIRS, type EdgeRuntimeSettings } from "./settings";
import { banCheck, blocklistGeo, BLOCKLIST_META_FILE, BLOCKLIST_PATH } from "../blocklist/render-blocklist";

// The nginx files of the edge: nginx.conf (process, http level, the control listener, the
// unknown-host server) and one conf.d/site-<id>.conf per enabled site. All paths are inside the
// instance (`-p <instance>/`): relative ones resolve against it, `include` against nginx.conf's
// directory. Every admin-typed value was validated (edge-intent.ts, by the sites grammar) and is rendered through edge-grammar.ts.

/**
 * Warden's probe location in every site (Verify): answered in nginx's content phase from a static file,
 * so a request to it passes the site's WAF and rate limit exactly as a request to a real path does,
 * and never reaches the upstream. Its access log is off and its error log (where ModSecurity reports
 * matches) is its own: probe traffic never lands in a log CrowdSec reads.
 */
export const PROBE_PATH = "/.well-known/warden-probe";
/** The static file the probe location serves (part of the rendered set). */
export const PROBE_FILE = "probe/ok.txt";
export const PROBE_BODY = "warden probe ok\n";

/** The file nginx's control listener includes: it answers the generation and hash of the loaded set. */
export const GENERATION_FILE = "conf.d/generation.conf";
export const GENERATION_PATH = "/__warden/generation";
/** 1 for a request CrowdSec's access log takes, 0 for one from Warden's reserved sources. */
export const CROWDSEC_LOG_VARIABLE = "$warden_cs_log";
/** The rate limit's shared-memory zone (10 MB: about 160,000 client addresses). */
export const RATE_ZONE = "warden_rate";
/**
 * Hooks for what later layers add to the edge (a probe location carrying each site's WAF and rate
 * settings, a `geo` blocklist with its server-level deny, which runs before ModSecurity). Each
 * returns finished, already-escaped nginx lines.
 */
export interface EdgeExtensions {
  /** http-level lines: `geo $warden_blocked { … }`. */
  http: () => string[];
  /** Lines in a site's server block: a blocklist `if (…) { return 403; }`. */
  server: (site: ResolvedSite) => string[];
  /** Extra locations in a site's server block (a probe location). */
  locations: (site: ResolvedSite) => string[];
}

export const NO_EXTENSIONS: EdgeExtensions = { http: () => [], server: () => [], locations: () => [] };

/**
 * The access logs, at http level. "combined": CrowdSec's nginx parser reads it; its client is
 * $remote_addr (after real_ip). Buffered: one write per 32 KB or per second instead of one per request
 * (a third of the proxy's throughput here); CrowdSec reads it at most a second later. CrowdSec reads its
 * own copy, without the requests whose connection comes from one of Warden's reserved sources
 * (benchmarks, Verify's probes): those must never become a detection, and the agent parses only
 * ~0.5–1k lines/s, so a benchmark would bury real traffic. Matched on the connection's address
 * ($realip_remote_addr), so no X-Forwarded-For can claim a reserved address. The control listener and
 * the probe location log nothing at all.
 */
function accessLogs(): string[] {
  const buffered = "combined buffer=32k flush=1s";
  return [
    "# Every request is in access.log; CrowdSec reads crowdsec-access.log: the same lines without",
    "# Warden's own traffic (benchmarks, Verify's probes), told by the connection's address.",
    `geo $realip_remote_addr ${CROWDSEC_LOG_VARIABLE} {`,
    "    default 1;",
    ...RESERVED_SOURCES.map((a) => `    ${nginxToken(a)} 0;`),
    "}",
    `access_log logs/${EDGE_LOG_FILES.access} ${buffered};`,
    `access_log logs/${EDGE_LOG_FILES.crowdsecAccess} ${buffered} if=${CROWDSEC_LOG_VARIABLE};`,
  ];
}

function listen(s: EdgeRuntimeSettings, extra = ""): string {
  return `listen ${nginxToken(formatListen(s.listen))}${extra};`;
}

function indent(lines: string[], depth: number): string[] {
  const pad = "    ".repeat(depth);
  return lines.map((l) => (l === "" ? l : pad + l));
}

/**
 * The proxies in front of the edge (WARDEN_EDGE_TRUSTED_PROXIES): a connection from one of them names
 * its client in X-Forwarded-For, walked from the right past the trusted hops, so $remote_addr (the
 * access log CrowdSec reads, the WAF's client, the blocklist, the rate limits) is the client, not the
 * proxy. Without the list no header is believed. The control listener answers no one by address.
 */
function realIpLines(s: EdgeRuntimeSettings): string[] {
  if (s.trustedProxies.length === 0) return [];
  return [
    "# The proxies whose X-Forwarded-For names the client (WARDEN_EDGE_TRUSTED_PROXIES).",
    ...s.trustedProxies.map((p) => `set_real_ip_from ${nginxToken(p)};`),
    "real_ip_header X-Forwarded-For;",
    "real_ip_recursive on;",
    "",
  ];
}

/** A validated whole number, rendered; anything else is refused (a caller that skipped validation). */
function count(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`refusing to render ${JSON.stringify(n)} as a count`);
  return String(n);
}

/**
 * The rate limit's zone at http level, keyed on the client address: $binary_remote_addr is the socket
 * address, or the client real_ip took from a trusted proxy's header. Refusals are logged at info, below
 * the error log's level: a flood would bury its reloads; each 429 is in the access log.
 */
function rateLimitZone(r: EdgeRateLimit): string[] {
  if (!r.enabled) return ["# Rate limiting is off."];
  return [
    "# Rate limiting per client address; the sites that inherit it refer to this zone.",
    `limit_req_zone $binary_remote_addr zone=${RATE_ZONE}:10m rate=${count(r.rate)}r/${r.unit === "second" ? "s" : "m"};`,
    "limit_req_status 429;",
    "limit_req_log_level info;",
  ];
}

/** A site's `limit_req`, at server level so that every location of the site carries it. */
function siteRateLimit(site: ResolvedSite, r: EdgeRateLimit): string[] {
  if (!r.enabled) return [];
  if (site.rateLimit === "off") return ["# Rate limiting is off for this site."];
  const burst = r.burst > 0 ? ` burst=${count(r.burst)}` : "";
  // reject: the burst is served at once and anything past it refused; delay: the burst waits its turn.
  return [`limit_req zone=${RATE_ZONE}${burst}${r.excess === "reject" ? " nodelay" : ""};`];
}

export function renderNginxConf(intent: EdgeIntent, s: EdgeRuntimeSettings, ext: EdgeExtensions = NO_EXTENSIONS): string {
  const sites = servedSites(intent);
  const waf = intent.waf.enabled;
  const main = [
    "# Written by Warden from the edge's intent; edits are overwritten (and reported as drift).",
    `worker_processes ${s.workerProcesses === "auto" ? "auto" : String(Math.max(1, Math.trunc(s.workerProcesses)))};`,
    // A reload keeps old workers alive while their connections last (WebSockets): bound it.
    "worker_shutdown_timeout 30s;",
    ...(s.workerUser ? [`user ${nginxToken(s.workerUser.user)} ${nginxToken(s.workerUser.group)};`] : []),
    `error_log logs/${EDGE_LOG_FILES.error} notice;`,
    "pid nginx.pid;",
    "pcre_jit on;",
    `load_module ${quotedPath(s.modsecModule)};`,
    "",
    "events {",
    "    worker_connections 1024;",
    "}",
    "",
  ];
  const http = [
    // The edge's own answers (the ban page, the probe) are text; proxied answers keep the upstream's type.
    "default_type text/plain;",
    ...accessLogs(),
    ...TEMP_DIRS.map((d) => `${d}_temp_path tmp/${d};`),
    "server_tokens off;",
    "",
    ...realIpLines(s),
    "# WebSocket upgrades pass through; other requests keep the upstream connection alive.",
    "map $http_upgrade $warden_connection_upgrade {",
    "    default upgrade;",
    '    ""      "";',
    "}",
    "# 1 when the Host header names another host than the one nginx routed by (an absolute-form",
    "# request line): refused, so the WAF's per-site exclusions, keyed on Host, match the routed site.",
    'map "$http_host|$host" $warden_host_mismatch {',
    '    "~*^([^|:]+?)\\.?(:[0-9]+)?\\|\\1$" 0;',
    "    default 1;",
    "}",
    "",
    ...(waf
      ? [
          "# The WAF: rules loaded once here; the control listener, unknown hosts and sites with the WAF off turn it off.",
          "modsecurity on;",
          `modsecurity_rules_file ${quotedPath(`${s.instanceDir}/modsec/main.conf`)};`,
          'modsecurity_transaction_id "$request_id";',
        ]
      : ["# The WAF is off.", "modsecurity off;"]),
    ...rateLimitZone(intent.rateLimit),
    ...blocklistGeo(),
    ...ext.http(),
    "",
    "# The control listener (loopback only): the generation and hash of the configuration loaded.",
    "server {",
    `    listen ${nginxToken(formatListen(s.control))};`,
    "    server_name _;",
    "    access_log off;",
    "    modsecurity off;",
    `    location = ${GENERATION_PATH} {`,
    "        default_type application/json;",
    `        include ${GENERATION_FILE};`,
    "    }",
    `    location = ${BLOCKLIST_PATH} {`,
    "        default_type application/json;",
    `        include ${BLOCKLIST_META_FILE};`,
    "    }",
    "    location / {",
    "        return 404;",
    "    }",
    "}",
    "",
    "# Unknown host names: a plain 404.",
    "server {",
    `    ${listen(s, " default_server")}`,
    "    server_name _;",
    "    modsecurity off;",
    ...indent(banCheck(), 1),
    "    return 404;",
    "}",
    "",
    ...sites.map((site) => `include ${siteFile(site.id)};`),
  ];
  return [...main, "http {", ...indent(http, 1), "}", ""].join("\n");
}

export function siteFile(id: string): string {
  return `conf.d/site-${nginxToken(id)}.conf`;
}

function upstreamName(site: ResolvedSite): string {
  return `warden_site_${nginxToken(site.id.replace(/-/g, "_"))}`;
}

function tlsLines(site: ResolvedSite, s: EdgeRuntimeSettings): string[] {
  if (site.target.scheme !== "https") return [];
  const host = site.target.host.replace(/^\[(.*)\]$/, "$1");
  return [
    // SNI and the name verified: the upstream's host, not the upstream block's name (nginx sends
    // no SNI for an IP address).
    "proxy_ssl_server_name on;",
    `proxy_ssl_name ${nginxToken(host)};`,
    ...(site.tlsVerify
      ? ["proxy_ssl_verify on;", "proxy_ssl_verify_depth 4;", `proxy_ssl_trusted_certificate ${quotedPath(s.caBundle)};`]
      : ["# Certificate verification is off for this site (the admin's choice).", "proxy_ssl_verify off;"]),
  ];
}

export function renderSiteConf(site: ResolvedSite, intent: EdgeIntent, s: EdgeRuntimeSettings, ext: EdgeExtensions = NO_EXTENSIONS): string {
  const t = site.target;
  const wafOff = intent.waf.enabled && site.waf === "off";
  const body = [
    listen(s),
    `server_name ${site.hostnames.map(nginxToken).join(" ")};`,
    `client_max_body_size ${site.maxBodyBytes};`,
    ...banCheck(),
    "if ($warden_host_mismatch) {",
    "    return 400;",
    "}",
    ...(wafOff ? ["# The WAF is off for this site.", "modsecurity off;"] : []),
    // Every answer carries the request id, the WAF's 403 included: it is the audit log's unique_id,
    // so an admin finds the event a visitor reports. No custom error page: ModSecurity-nginx 1.0.3
    // drops the audit entry of a request blocked in phase 2 (where the CRS blocks) when error_page
    // redirects it, so a block page would cost the event.
    "add_header X-Request-Id $request_id always;",
    ...siteRateLimit(site, intent.rateLimit),
    ...ext.server(site),
    ...ext.locations(site),
    "",
    "# Warden's probe (Verify): this site's WAF and rate limit, a static answer, no upstream, no CrowdSec log.",
    `location = ${PROBE_PATH} {`,
    "    access_log off;",
    "    error_log logs/probe.log notice;",
    "    default_type text/plain;",
    `    alias ${quotedPath(`${s.instanceDir}/${PROBE_FILE}`)};`,
    "}",
    "",
    "location / {",
    ...indent(
      [
        `proxy_pass ${t.scheme}://${upstreamName(site)};`,
        "proxy_http_version 1.1;",
        "proxy_set_header Host $host;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $warden_connection_upgrade;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-Host $host;",
        "proxy_set_header X-Request-Id $request_id;",
        ...tlsLines(site, s),
      ],
      1,
    ),
    "}",
  ];
  return [
    `# Written by Warden: site ${site.id} → ${t.scheme}://${t.host}:${t.port}; edits are overwritten.`,
    `upstream ${upstreamName(site)} {`,
    `    server ${nginxToken(`${t.host}:${t.port}`)};`,
    "    keepalive 16;",
    "}",
    "",
    "server {",
    ...indent(body, 1),
    "}",
    "",
  ].join("\n");
}

/** The generation file: what the control listener answers (JSON, one line). */
export function renderGenerationFile(generation: number, hash: string): string {
  if (!Number.isSafeInteger(generation) || generation < 1 || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new Error(`refusing to render generation ${generation} / hash ${hash}`);
  }
  return `return 200 '{"generation":${generation},"hash":"${hash}"}\\n';\n`;
}
