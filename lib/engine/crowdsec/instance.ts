import "server-only";
import { execFile } from "node:child_process";
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { writeFileAtomic } from "../atomic-write";
import { defaultItems, enabledLinkPath } from "./enabled-items";
import { renderAcquis, renderConfig } from "./instance-config";
import { withInstanceLock } from "./instance-lock";
import { missingPackage, NotInstalledError } from "./installed-package";
import { instanceAgentPids } from "./agent-pids";
import { instancePaths, localLapiUrl, type CrowdsecRuntimeSettings } from "./settings";

// The isolated CrowdSec instance Warden manages (ADR 006): everything under
// one directory D with its own ports, created offline from the Debian package's files.
//   D/etc   config.yaml, acquis.yaml, credentials, patterns, profiles; enabled items = symlinks into D/hub
//   D/hub   a copy of the package's offline hub as real files (cscli can enable/disable offline)
//   D/data  sqlite database and the hub's data files
//   D/log   crowdsec.log, agent.out (stdout/stderr), access.log (the acquisition file)
// A marker file written last tells a complete instance from a half-created one (which is recreated).

const MARKER_FORMAT = 1;
const MACHINE_NAME = "warden";

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

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

/**
 * Creates the files the agent acquires that do not exist yet (empty; existing ones are left as they
 * are): CrowdSec 1.4.6 skips a file that is missing when it starts ("No matching files for pattern")
 * and never picks it up later, so an edge started after the agent would go unread. The edge's log
 * directory is made as the edge makes it (0700: the panel's); nginx's master opens the files (as
 * root, or as the panel's user) and appends to them.
 */
export function ensureAcquiredFiles(s: CrowdsecRuntimeSettings): void {
  const p = instancePaths(s);
  mkdirSync(p.logDir, { recursive: true });
  if (s.edgeLogDir !== null) mkdirSync(s.edgeLogDir, { recursive: true, mode: 0o700 });
  for (const file of [p.accessLog, ...p.edgeLogs]) closeSync(openSync(file, "a"));
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

  ensureAcquiredFiles(s);
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
