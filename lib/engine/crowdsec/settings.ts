import path from "node:path";
import { env } from "../../env";
import { CROWDSEC_ACQUIRED_EDGE_LOGS, edgeInstanceDir, edgeLogDir } from "../edge/settings";

// Runtime settings of the CrowdSec agent Warden manages (mode "local"), from the environment.
// Everything the agent writes lives under one instance directory with its own ports, so the panel's
// agent never collides with a system crowdsec (8080/6060) and tests can run instances side by side.

export interface CrowdsecRuntimeSettings {
  /** Absolute path of the isolated instance (etc/, data/, hub/, log/, pid and lock files). */
  instanceDir: string;
  lapiPort: number;
  prometheusPort: number;
  /** The agent binary and cscli (Debian: /usr/bin/crowdsec, /usr/bin/cscli). */
  bin: string;
  cscli: string;
  /** The package's configuration (patterns, profiles, enabled items to copy). */
  etcDir: string;
  /** The package's offline hub and data files. */
  shareDir: string;
  readyTimeoutMs: number;
  stopGraceMs: number;
  selfHeal: boolean;
  selfHealMaxAttempts: number;
  /** Base delay between self-heal attempts; doubles after each attempt. */
  selfHealBackoffMs: number;
  /** Pid probe interval for an adopted agent (one this process did not spawn). */
  probeMs: number;
  /**
   * The managed edge's log directory: the agent reads its CrowdSec access log and its error log.
   * Null: no edge is read (tests and benchmarks that have none).
   */
  edgeLogDir: string | null;
}

export const DEFAULT_CROWDSEC_SETTINGS: Omit<CrowdsecRuntimeSettings, "instanceDir"> = {
  lapiPort: 8180,
  prometheusPort: 6160,
  bin: "/usr/bin/crowdsec",
  cscli: "/usr/bin/cscli",
  etcDir: "/etc/crowdsec",
  shareDir: "/usr/share/crowdsec",
  readyTimeoutMs: 30_000,
  stopGraceMs: 8_000,
  selfHeal: true,
  selfHealMaxAttempts: 5,
  selfHealBackoffMs: 1_000,
  probeMs: 1_000,
  edgeLogDir: null,
};

function validate(s: CrowdsecRuntimeSettings): CrowdsecRuntimeSettings {
  if (s.lapiPort === s.prometheusPort) {
    throw new Error(`Invalid environment: CROWDSEC_LAPI_PORT and CROWDSEC_PROMETHEUS_PORT are both ${s.lapiPort}`);
  }
  return s;
}

/** Settings from the environment (lib/env.ts; re-read when a test changes it). */
export function crowdsecSettings(): CrowdsecRuntimeSettings {
  const e = env();
  return validate({
    instanceDir: path.resolve(e.CROWDSEC_INSTANCE_DIR ?? path.join(e.WARDEN_DATA_DIR, "crowdsec")),
    lapiPort: e.CROWDSEC_LAPI_PORT,
    prometheusPort: e.CROWDSEC_PROMETHEUS_PORT,
    bin: e.CROWDSEC_BIN,
    cscli: e.CROWDSEC_CSCLI,
    etcDir: e.CROWDSEC_ETC_DIR,
    shareDir: e.CROWDSEC_SHARE_DIR,
    readyTimeoutMs: e.CROWDSEC_READY_TIMEOUT_MS,
    stopGraceMs: e.CROWDSEC_STOP_GRACE_MS,
    selfHeal: e.WARDEN_SELF_HEAL,
    selfHealMaxAttempts: e.WARDEN_SELF_HEAL_MAX_ATTEMPTS,
    selfHealBackoffMs: e.WARDEN_SELF_HEAL_BACKOFF_MS,
    probeMs: e.WARDEN_ENGINE_PROBE_MS,
    // The edge the panel manages (WARDEN_EDGE_DIR, else <data>/edge).
    edgeLogDir: edgeLogDir(edgeInstanceDir()),
  });
}

/** Settings from an object (tests: an instance in a temp dir on free ports); the rest are defaults. */
export function crowdsecSettingsFrom(partial: Partial<CrowdsecRuntimeSettings> & { instanceDir: string }): CrowdsecRuntimeSettings {
  const edgeLogs = partial.edgeLogDir ?? null;
  return validate({
    ...DEFAULT_CROWDSEC_SETTINGS,
    ...partial,
    instanceDir: path.resolve(partial.instanceDir),
    edgeLogDir: edgeLogs === null ? null : path.resolve(edgeLogs),
  });
}

/** The files of an instance, all derived from its directory. */
export function instancePaths(s: CrowdsecRuntimeSettings) {
  const d = s.instanceDir;
  return {
    dir: d,
    etc: path.join(d, "etc"),
    data: path.join(d, "data"),
    hub: path.join(d, "hub"),
    logDir: path.join(d, "log"),
    config: path.join(d, "etc", "config.yaml"),
    credentials: path.join(d, "etc", "local_api_credentials.yaml"),
    acquis: path.join(d, "etc", "acquis.yaml"),
    /** The instance's own acquisition file (tests append nginx lines to it). */
    accessLog: path.join(d, "log", "access.log"),
    /** The edge's logs the agent reads (none without an edge). */
    edgeLogs: s.edgeLogDir === null ? [] : CROWDSEC_ACQUIRED_EDGE_LOGS.map((f) => path.join(s.edgeLogDir!, f)),
    /** stdout/stderr of the agent (startup errors before its logger is configured land here). */
    agentOut: path.join(d, "log", "agent.out"),
    /** The agent's own log (log_media: file). */
    agentLog: path.join(d, "log", "crowdsec.log"),
    pidFile: path.join(d, "crowdsec.pid"),
    lockFile: path.join(d, "warden.lock"),
    /** Written last by ensureInstance: an instance without it is half-created and is recreated. */
    marker: path.join(d, ".warden-instance.json"),
  };
}

export type InstancePaths = ReturnType<typeof instancePaths>;

/** The Local API URL of the managed instance. */
export function localLapiUrl(s: CrowdsecRuntimeSettings): string {
  return `http://127.0.0.1:${s.lapiPort}`;
}
