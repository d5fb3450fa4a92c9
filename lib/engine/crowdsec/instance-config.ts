import path from "node:path";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// The instance's own configuration files, rendered from the settings (instance.ts writes them and
// keeps them in step when the settings change).

/** The hub branch cscli would otherwise look up online. */
export const HUB_BRANCH = "v1.4.6";

const q = (v: string) => JSON.stringify(v); // a JSON string is a valid YAML double-quoted scalar

/** config.yaml of an instance: a pure function of the settings (so it follows port changes). */
export function renderConfig(s: CrowdsecRuntimeSettings): string {
  const p = instancePaths(s);
  const pluginDir = path.join(path.dirname(path.dirname(s.bin)), "lib", "crowdsec", "plugins");
  return `# Written by Warden (lib/engine/crowdsec/instance.ts) from its settings; edits are overwritten.
common:
  daemonize: true # in 1.4.x: no fork, but installs the SIGTERM/SIGHUP handlers
  log_media: file
  log_level: info
  log_dir: ${q(p.logDir + "/")}
  log_max_size: 20
  log_max_files: 3
  compress_logs: false
  working_dir: ${q(p.dir)}
config_paths:
  config_dir: ${q(p.etc + "/")}
  data_dir: ${q(p.data + "/")}
  simulation_path: ${q(path.join(p.etc, "simulation.yaml"))}
  hub_dir: ${q(p.hub + "/")}
  index_path: ${q(path.join(p.hub, ".index.json"))}
  notification_dir: ${q(path.join(p.etc, "notifications") + "/")}
  plugin_dir: ${q(pluginDir + "/")}
crowdsec_service:
  acquisition_path: ${q(p.acquis)}
  acquisition_dir: ${q(path.join(p.etc, "acquis.d"))}
  parser_routines: 1
cscli:
  output: human
  color: "no"
  hub_branch: ${HUB_BRANCH}
db_config:
  log_level: info
  type: sqlite
  db_path: ${q(path.join(p.data, "crowdsec.db"))}
  use_wal: true
  flush:
    max_items: 5000
    max_age: 7d
plugin_config:
  user: nobody
  group: nogroup
api:
  client:
    insecure_skip_verify: false
    credentials_path: ${q(p.credentials)}
  server:
    log_level: info
    listen_uri: 127.0.0.1:${s.lapiPort}
    profiles_path: ${q(path.join(p.etc, "profiles.yaml"))}
    console_path: ${q(path.join(p.etc, "console.yaml"))}
    trusted_ips:
      - 127.0.0.1
      - ::1
prometheus:
  enabled: true
  level: full
  listen_addr: 127.0.0.1
  listen_port: ${s.prometheusPort}
`;
}

/**
 * acquis.yaml: one file source, type nginx: the instance's own access.log (tests append lines to it)
 * and the managed edge's CrowdSec access log and error log. The agent tails each file from its end,
 * from the moment it starts, and skips a file that does not exist then (it never looks again):
 * ensureAcquiredFiles creates them before every start.
 */
export function renderAcquis(s: CrowdsecRuntimeSettings): string {
  const p = instancePaths(s);
  const files = [p.accessLog, ...p.edgeLogs];
  return `# Written by Warden: file sources (the journal is absent on this machine).
filenames:
${files.map((f) => `  - ${q(f)}`).join("\n")}
labels:
  type: nginx
`;
}
