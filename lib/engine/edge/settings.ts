import path from "node:path";
import { env } from "../../env";
import { parseProxyEntry } from "../../env-schema.mjs";

// Runtime settings of the edge Warden manages: one isolated nginx instance (its own directory, pid
// file, logs and temp files; loopback or configured ports), loading Debian's ModSecurity module and
// the OWASP CRS rules from their package paths. Nothing here touches the system nginx's files.

export interface ListenAddress {
  /** As nginx writes it: an IPv4 address or a bracketed IPv6 one. */
  host: string;
  port: number;
}

export interface EdgeRuntimeSettings {
  /** Absolute path of the instance (nginx.conf, conf.d/, modsec/, logs/, tmp/, nginx.pid). */
  instanceDir: string;
  /** Where the sites are served. */
  listen: ListenAddress;
  /** Loopback-only listener that answers the loaded generation (never the WAF, never the sites). */
  control: ListenAddress;
  /** Debian's nginx binary. */
  bin: string;
  /** Debian's ModSecurity v3 connector module (libnginx-mod-http-modsecurity). */
  modsecModule: string;
  /** ModSecurity's Unicode map, shipped by the connector package. */
  unicodeMap: string;
  /** The OWASP CRS rules directory (modsecurity-crs). */
  crsRulesDir: string;
  /** CA bundle for verifying https upstreams. */
  caBundle: string;
  /** The user workers run as when the master runs as root (nginx ignores `user` otherwise). */
  workerUser: { user: string; group: string } | null;
  /** `worker_processes`: a count, or "auto" (one per core). */
  workerProcesses: number | "auto";
  /** Spawn → the control listener answers the generation written. */
  readyTimeoutMs: number;
  /** HUP → the control listener answers the generation written. */
  reloadTimeoutMs: number;
  /** `nginx -t` bound (it parses ~900 CRS rules: ~0.2 s here). */
  testTimeoutMs: number;
  /** SIGQUIT (graceful) → this long → SIGTERM → the same → SIGKILL of the process group. */
  stopGraceMs: number;
  /** The JSON audit log is rotated (copy + truncate) past this size. */
  auditLogMaxBytes: number;
  /**
   * Addresses and CIDR ranges of the proxies in front of the edge whose X-Forwarded-For it believes
   * (nginx's real_ip): the client address of the access log, the WAF, the blocklist and the rate limits.
   * Empty: the client is the connection's address.
   */
  trustedProxies: string[];
}

export const DEFAULT_EDGE_SETTINGS: Omit<EdgeRuntimeSettings, "instanceDir"> = {
  // Debian's unprivileged user: the workers can write only the instance's temp and log directories.
  workerUser: process.getuid?.() === 0 ? { user: "nobody", group: "nogroup" } : null,
  listen: { host: "127.0.0.1", port: 8080 },
  control: { host: "127.0.0.1", port: 8081 },
  bin: "/usr/sbin/nginx",
  modsecModule: "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so",
  unicodeMap: "/etc/nginx/unicode.mapping",
  crsRulesDir: "/usr/share/modsecurity-crs/rules",
  caBundle: "/etc/ssl/certs/ca-certificates.crt",
  workerProcesses: "auto",
  readyTimeoutMs: 10_000,
  reloadTimeoutMs: 5_000,
  testTimeoutMs: 15_000,
  stopGraceMs: 5_000,
  auditLogMaxBytes: 64 * 1024 * 1024,
  trustedProxies: [],
};

/** "127.0.0.1:8080" / "[::1]:8080" → host and port (the grammar is lib/env.ts's). */
export function parseListen(value: string): ListenAddress {
  const at = value.lastIndexOf(":");
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

export function formatListen(a: ListenAddress): string {
  return `${a.host}:${a.port}`;
}

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "[::1]";
}

function validate(s: EdgeRuntimeSettings): EdgeRuntimeSettings {
  if (!isLoopback(s.control.host)) {
    throw new Error(`Invalid edge settings: the control listener ${formatListen(s.control)} must be on a loopback address`);
  }
  if (s.listen.port === s.control.port) {
    // nginx would merge them into one socket (or refuse the wildcard pair): the control listener
    // must never be reachable as a site.
    throw new Error(`Invalid edge settings: WARDEN_EDGE_LISTEN and WARDEN_EDGE_CONTROL_LISTEN both use port ${s.listen.port}`);
  }
  // Rendered into nginx.conf: only what the environment's grammar accepts, written as it normalises it.
  const trustedProxies = s.trustedProxies.map((entry) => {
    const parsed = parseProxyEntry(entry);
    if ("error" in parsed) throw new Error(`Invalid edge settings: the trusted proxy "${entry}" ${parsed.error}`);
    return parsed.text;
  });
  return { ...s, trustedProxies };
}

/** The edge's instance directory from the environment: WARDEN_EDGE_DIR, else <data>/edge. */
export function edgeInstanceDir(): string {
  const e = env();
  return path.resolve(e.WARDEN_EDGE_DIR ?? path.join(e.WARDEN_DATA_DIR, "edge"));
}

/** Settings from the environment (lib/env.ts). */
export function edgeSettings(): EdgeRuntimeSettings {
  const e = env();
  return validate({
    ...DEFAULT_EDGE_SETTINGS,
    instanceDir: edgeInstanceDir(),
    listen: parseListen(e.WARDEN_EDGE_LISTEN),
    control: parseListen(e.WARDEN_EDGE_CONTROL_LISTEN),
    reloadTimeoutMs: e.WARDEN_EDGE_RELOAD_TIMEOUT_MS,
    trustedProxies: e.WARDEN_EDGE_TRUSTED_PROXIES,
  });
}

/** Settings from an object (tests: an instance in a temp dir on free ports); the rest are defaults. */
export function edgeSettingsFrom(partial: Partial<EdgeRuntimeSettings> & { instanceDir: string }): EdgeRuntimeSettings {
  return validate({ ...DEFAULT_EDGE_SETTINGS, ...partial, instanceDir: path.resolve(partial.instanceDir) });
}

/** The edge's log directory, inside its instance directory. */
export const edgeLogDir = (instanceDir: string) => path.join(instanceDir, "logs");

/** The edge's log files (in logs/), named once: nginx.conf writes them, CrowdSec reads some of them. */
export const EDGE_LOG_FILES = {
  /** Every request (combined format): what an admin reads. */
  access: "access.log",
  /** The same lines without Warden's own traffic (its reserved sources): what CrowdSec reads. */
  crowdsecAccess: "crowdsec-access.log",
  /** nginx's error log (ModSecurity's matches included): CrowdSec reads it too. */
  error: "error.log",
} as const;

/** The edge logs CrowdSec acquires (type nginx), relative to the log directory. */
export const CROWDSEC_ACQUIRED_EDGE_LOGS = [EDGE_LOG_FILES.crowdsecAccess, EDGE_LOG_FILES.error] as const;

/** The files of an instance, all derived from its directory. */
export function edgePaths(s: EdgeRuntimeSettings) {
  const d = s.instanceDir;
  const logs = edgeLogDir(d);
  return {
    dir: d,
    config: path.join(d, "nginx.conf"),
    confD: path.join(d, "conf.d"),
    modsec: path.join(d, "modsec"),
    modsecTmp: path.join(d, "modsec", "tmp"),
    modsecData: path.join(d, "modsec", "data"),
    logs,
    errorLog: path.join(logs, EDGE_LOG_FILES.error),
    accessLog: path.join(logs, EDGE_LOG_FILES.access),
    /** The access log CrowdSec reads: Warden's reserved sources left out. */
    crowdsecAccessLog: path.join(logs, EDGE_LOG_FILES.crowdsecAccess),
    auditLog: path.join(d, "logs", "modsec_audit.log"),
    /** stdout/stderr of the master (what nginx prints before its error log is open). */
    out: path.join(d, "logs", "nginx.out"),
    tmp: path.join(d, "tmp"),
    /** Written by Warden right after the spawn, then by nginx itself (same pid: `daemon off`). */
    pidFile: path.join(d, "nginx.pid"),
    lockFile: path.join(d, "warden.lock"),
    /** What Warden last wrote: generation, hash, each file's sha256, and the intent it came from. */
    manifest: path.join(d, "state", "manifest.json"),
    /** The highest generation ever written (generations never repeat, even after a refused reload). */
    highestGeneration: path.join(d, "state", "generation"),
    state: path.join(d, "state"),
  };
}

export type EdgePaths = ReturnType<typeof edgePaths>;

/** The nginx temp directories (all inside the instance: without them it would share /var/lib/nginx). */
export const TEMP_DIRS = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] as const;
