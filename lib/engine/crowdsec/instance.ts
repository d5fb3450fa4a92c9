import "server-only";
import { execFile } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { withInstanceLock } from "./lock";
import { instanceAgentPids } from "./proc";
import { instancePaths, localLapiUrl, type CrowdsecRuntimeSettings } from "./settings";
import { writeFileAtomic } from "../files";

// The isolated CrowdSec instance Warden manages (ADR 006): everything under
// one directory D with its own ports, created offline from the Debian package's files.
//   D/etc   config.yaml, acquis.yaml, credentials, patterns, profiles; enabled items = symlinks into D/hub
//   D/hub   a copy of the package's offline hub as real files (cscli can enable/disable offline)
//   D/data  sqlite database and the hub's data files
//   D/log   crowdsec.log, agent.out (stdout/stderr), access.log (the acquisition file)
// A marker file written last tells a complete instance from a half-created one (which is recreated).

export const INSTALL_HINT = "Install it with `sudo bash scripts/install-crowdsec.sh` (offline, see README).";

/** The Debian package is missing (or incomplete): the panel refuses to turn local CrowdSec on. */
export class NotInstalledError extends DomainError {
  readonly missing: string;
  constructor(missing: string) {
    super("NOT_INSTALLED", notInstalledSentence(missing));
    this.missing = missing;
  }
}

/** One sentence: what is missing and how to install it. */
export function notInstalledSentence(missing: string): string {
  return `CrowdSec is not installed (${missing}); ${INSTALL_HINT.charAt(0).toLowerCase()}${INSTALL_HINT.slice(1)}`;
}

/** The hub branch cscli would otherwise look up online. */
export const HUB_BRANCH = "v1.4.6";
const MARKER_FORMAT = 1;
const MACHINE_NAME = "warden";
/** Used when the package enables nothing in its etc dir. */
const FALLBACK_COLLECTIONS = ["crowdsecurity/linux", "crowdsecurity/nginx"];
const ITEM_TYPES = ["collections", "parsers", "postoverflows", "scenarios"] as const;
type ItemType = (typeof ITEM_TYPES)[number];

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names the first missing binary or package file, or null when everything needed is there. */
export function missingPackage(s: CrowdsecRuntimeSettings): string | null {
  if (!isExecutableFile(s.bin)) return `${s.bin} is missing`;
  if (!isExecutableFile(s.cscli)) return `${s.cscli} is missing`;
  const index = path.join(s.shareDir, "hub", ".index.json");
  if (!existsSync(index)) return `${index} is missing`;
  for (const f of ["patterns", "profiles.yaml", "simulation.yaml"]) {
    const p = path.join(s.etcDir, f);
    if (!existsSync(p)) return `${p} is missing`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Files of the instance

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

export function renderAcquis(s: CrowdsecRuntimeSettings): string {
  return `# Written by Warden: one file source (the journal is absent on this machine).
filenames:
  - ${q(instancePaths(s).accessLog)}
labels:
  type: nginx
`;
}

export { writeFileAtomic };

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Enabled hub items

/** Hub-relative paths (e.g. "scenarios/crowdsecurity/ssh-bf.yaml") the package enables in its etc dir. */
export function packageEnabledItems(s: CrowdsecRuntimeSettings): string[] {
  let hubReal: string;
  try {
    hubReal = realpathSync(path.join(s.shareDir, "hub"));
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = path.join(dir, name);
      let st;
      try {
        st = lstatSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory() && depth > 0) walk(full, depth - 1);
      else if (st.isSymbolicLink() && name.endsWith(".yaml")) {
        try {
          const rel = path.relative(hubReal, realpathSync(full));
          if (!rel.startsWith("..") && !path.isAbsolute(rel)) found.push(rel);
        } catch {
          /* dangling link: not enabled in any meaningful way */
        }
      }
    }
  };
  for (const type of ITEM_TYPES) walk(path.join(s.etcDir, type), 1);
  return [...new Set(found)].sort();
}

interface IndexItem {
  path: string;
  parsers?: string[] | null;
  scenarios?: string[] | null;
  collections?: string[] | null;
  postoverflows?: string[] | null;
}
type HubIndex = Partial<Record<ItemType, Record<string, IndexItem>>>;

/** The hub-relative paths of collections and everything they pull in, from the hub's index. */
export function collectionItems(index: HubIndex, collections: string[]): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (type: ItemType, name: string) => {
    const key = `${type}:${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const item = index[type]?.[name];
    if (!item) return;
    out.add(item.path);
    for (const sub of ITEM_TYPES) for (const dep of item[sub] ?? []) visit(sub, dep);
  };
  for (const c of collections) visit("collections", c);
  return [...out].sort();
}

/** Where an enabled item's symlink lives: the hub path without its author directory. */
export function enabledLinkPath(hubRel: string): string {
  const parts = hubRel.split("/");
  // collections|scenarios/<author>/<name>.yaml, parsers|postoverflows/<stage>/<author>/<name>.yaml
  return [...parts.slice(0, -2), parts[parts.length - 1]!].join("/");
}

function defaultItems(s: CrowdsecRuntimeSettings, hubDir: string): string[] {
  const fromPackage = packageEnabledItems(s);
  if (fromPackage.length > 0) return fromPackage;
  const index = JSON.parse(readFileSync(path.join(hubDir, ".index.json"), "utf8")) as HubIndex;
  return collectionItems(index, FALLBACK_COLLECTIONS);
}

// ---------------------------------------------------------------------------------------------
// Creation

interface Marker {
  format: number;
  createdAt: string;
  items: number;
}

function markerValid(file: string): boolean {
  const raw = readOrNull(file);
  if (raw === null) return false;
  try {
    return (JSON.parse(raw) as Marker).format === MARKER_FORMAT;
  } catch {
    return false;
  }
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        const last = `${stderr}\n${stdout}`.trim().split("\n").filter(Boolean).slice(-3).join(" | ");
        reject(new DomainError("RUNTIME_FAILED", `${path.basename(file)} ${args.slice(2, 4).join(" ")} failed: ${last || error.message}`));
      } else resolve({ stdout, stderr });
    });
  });
}

/** Keeps config.yaml and the credentials' URL in step with the settings (ports may change). */
function syncConfig(s: CrowdsecRuntimeSettings): boolean {
  const p = instancePaths(s);
  let changed = false;
  const config = renderConfig(s);
  if (readOrNull(p.config) !== config) {
    writeFileAtomic(p.config, config);
    changed = true;
  }
  const acquis = renderAcquis(s);
  if (readOrNull(p.acquis) !== acquis) {
    writeFileAtomic(p.acquis, acquis);
    changed = true;
  }
  const creds = readOrNull(p.credentials);
  if (creds !== null) {
    const url = `${localLapiUrl(s)}/`;
    const next = creds.replace(/^url:.*$/m, `url: ${url}`);
    if (next !== creds) {
      writeFileAtomic(p.credentials, next, 0o600);
      changed = true;
    }
  }
  if (changed)
    log.info(
      { event: "crowdsec.instance.config_synced", dir: p.dir, lapiPort: s.lapiPort, prometheusPort: s.prometheusPort },
      "instance config follows settings",
    );
  return changed;
}

async function create(s: CrowdsecRuntimeSettings): Promise<void> {
  const p = instancePaths(s);
  // A half-created instance: start over (the log directory is kept, it may explain what happened).
  for (const d of [p.etc, p.data, p.hub]) rmSync(d, { recursive: true, force: true });
  for (const d of [p.etc, p.data, p.hub, p.logDir, path.join(p.etc, "acquis.d"), path.join(p.etc, "notifications")]) {
    mkdirSync(d, { recursive: true });
  }
  cpSync(path.join(s.shareDir, "hub"), p.hub, { recursive: true, dereference: true });
  const shareData = path.join(s.shareDir, "data");
  if (existsSync(shareData)) cpSync(shareData, p.data, { recursive: true, dereference: true });
  cpSync(path.join(s.etcDir, "patterns"), path.join(p.etc, "patterns"), { recursive: true, dereference: true });
  for (const f of ["profiles.yaml", "simulation.yaml"]) copyFileSync(path.join(s.etcDir, f), path.join(p.etc, f));

  const items = defaultItems(s, p.hub);
  for (const rel of items) {
    const target = path.join(p.hub, rel);
    if (!existsSync(target)) continue;
    const link = path.join(p.etc, enabledLinkPath(rel));
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link);
  }
  for (const d of ["collections", "scenarios", "parsers", "postoverflows"]) mkdirSync(path.join(p.etc, d), { recursive: true });

  if (!existsSync(p.accessLog)) writeFileSync(p.accessLog, "");
  writeFileAtomic(p.acquis, renderAcquis(s));
  writeFileAtomic(p.config, renderConfig(s));
  await run(
    s.cscli,
    ["-c", p.config, "machines", "add", MACHINE_NAME, "--auto", "--force", "--url", `${localLapiUrl(s)}/`, "-f", p.credentials, "--error"],
    30_000,
  );
  if (!existsSync(p.credentials)) throw new DomainError("RUNTIME_FAILED", "cscli did not write the machine credentials file.");
  chmodSync(p.credentials, 0o600); // it holds the machine's password
  const marker: Marker = { format: MARKER_FORMAT, createdAt: new Date().toISOString(), items: items.length };
  writeFileAtomic(p.marker, JSON.stringify(marker) + "\n");
}

export interface EnsureInstanceOptions {
  /** The caller already holds the instance lock (the lock is not re-entrant). */
  lockHeld?: boolean;
}

/**
 * Creates the instance if it is absent or half-created; otherwise brings config.yaml in line with
 * the settings. Offline and idempotent; runs under the instance lock.
 */
export async function ensureInstance(
  s: CrowdsecRuntimeSettings,
  options: EnsureInstanceOptions = {},
): Promise<{ created: boolean; dir: string; configChanged: boolean }> {
  const body = async () => {
    const missing = missingPackage(s);
    if (missing) throw new NotInstalledError(missing);
    const p = instancePaths(s);
    if (markerValid(p.marker)) {
      const configChanged = syncConfig(s);
      return { created: false, dir: p.dir, configChanged };
    }
    const running = instanceAgentPids(s);
    if (running.length > 0) {
      throw new DomainError(
        "ENGINE",
        `The CrowdSec instance in ${p.dir} is incomplete but its agent is running (pid ${running.join(", ")}); stop it before recreating the instance.`,
      );
    }
    const t0 = Date.now();
    const existed = existsSync(p.config) || existsSync(p.hub);
    if (existed) log.warn({ event: "crowdsec.instance.recreate", dir: p.dir }, "instance was half-created (no marker): recreating it");
    await create(s);
    log.info({ event: "crowdsec.instance.created", dir: p.dir, ms: Date.now() - t0 }, "CrowdSec instance created");
    return { created: true, dir: p.dir, configChanged: false };
  };
  if (options.lockHeld) return body();
  return withInstanceLock(s, body, { holder: "ensureInstance" });
}

/** True when the instance is complete (marker present). */
export function instanceExists(s: CrowdsecRuntimeSettings): boolean {
  return markerValid(instancePaths(s).marker);
}
