import "server-only";
import { execFile } from "node:child_process";
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import { DomainError } from "../../errors";
import { log } from "../../log";
import { writeFileAtomic } from "../atomic-write";
import { emergReason } from "./logs";
import { edgePaths, TEMP_DIRS, type EdgeRuntimeSettings } from "./settings";

// The edge's instance directory and its files: the package check, the directories (the ones the
// workers write owned by the worker user), writing a rendered set with a way back, and `nginx -t`.

export const EDGE_INSTALL_HINT = "install them with `sudo bash scripts/install-edge.sh` (offline, Debian's archive only; see README)";

/** Debian's nginx, its ModSecurity module or the CRS rules are missing: the edge cannot run. */
export class EdgeNotInstalledError extends DomainError {
  readonly missing: string;
  constructor(missing: string) {
    super("NOT_INSTALLED", edgeNotInstalledSentence(missing));
    this.missing = missing;
  }
}

export function edgeNotInstalledSentence(missing: string): string {
  return `The edge is not installed: edge packages missing (${missing}); ${EDGE_INSTALL_HINT}.`;
}

/** Names the first missing file of the edge packages, or null when all are there. */
export function missingEdgePackage(s: EdgeRuntimeSettings): string | null {
  try {
    if (!statSync(s.bin).isFile()) return `${s.bin} is not a file`;
    accessSync(s.bin, constants.X_OK);
  } catch {
    return `${s.bin} is missing (package nginx)`;
  }
  if (!existsSync(s.modsecModule)) return `${s.modsecModule} is missing (package libnginx-mod-http-modsecurity)`;
  if (!existsSync(s.unicodeMap)) return `${s.unicodeMap} is missing (package libnginx-mod-http-modsecurity)`;
  const init = path.join(s.crsRulesDir, "REQUEST-901-INITIALIZATION.conf");
  if (!existsSync(init)) return `${init} is missing (package modsecurity-crs)`;
  return null;
}

/** uid and gid of a user and group by name, from /etc/passwd and /etc/group; null if unknown. */
function lookupIds(user: string, group: string): { uid: number; gid: number } | null {
  const field = (file: string, name: string) => {
    try {
      const line = readFileSync(file, "utf8")
        .split("\n")
        .find((l) => l.split(":")[0] === name);
      return line ? Number(line.split(":")[2]) : null;
    } catch {
      return null;
    }
  };
  const uid = field("/etc/passwd", user);
  const gid = field("/etc/group", group);
  return uid === null || gid === null || !Number.isInteger(uid) || !Number.isInteger(gid) ? null : { uid, gid };
}

/**
 * Creates the instance's directories. The instance directory is 0711 (the workers pass through it,
 * they cannot list it); logs/ and state/ are the panel's (0700); the directories the workers write
 * (nginx's temp files, ModSecurity's tmp and data) belong to the worker user when the master runs as
 * root. Idempotent.
 */
export function ensureInstanceDirs(s: EdgeRuntimeSettings): void {
  const p = edgePaths(s);
  mkdirSync(p.dir, { recursive: true });
  chmodSync(p.dir, 0o711);
  for (const d of [p.confD, p.modsec]) mkdirSync(d, { recursive: true, mode: 0o755 });
  for (const d of [p.logs, p.state]) {
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o700);
  }
  const writable = [...TEMP_DIRS.map((d) => path.join(p.tmp, d)), p.modsecTmp, p.modsecData];
  mkdirSync(p.tmp, { recursive: true, mode: 0o711 });
  for (const d of writable) mkdirSync(d, { recursive: true, mode: 0o700 });
  if (s.workerUser && process.getuid?.() === 0) {
    const ids = lookupIds(s.workerUser.user, s.workerUser.group);
    if (!ids) throw new DomainError("ENGINE", `The edge's worker user ${s.workerUser.user}:${s.workerUser.group} does not exist on this machine.`);
    for (const d of writable) chownSync(d, ids.uid, ids.gid);
    warnIfUnreachable(p.dir);
  }
}

/** Workers must traverse every parent of the instance to reach its temp directories. */
function warnIfUnreachable(dir: string): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) {
        log.warn(
          { event: "edge.instance.unreachable", dir: d },
          `the edge's workers cannot pass through ${d} (no execute bit for others): request bodies larger than nginx's buffer will fail; make it 0711`,
        );
        return;
      }
    } catch {
      return;
    }
    if (d === path.dirname(d)) return;
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * Writes `files` (paths relative to the instance) atomically, each file only if its content differs,
 * `last` after all others, and removes `remove`. Returns a function that puts back what was there.
 */
export function writeFiles(s: EdgeRuntimeSettings, files: Record<string, string>, remove: string[] = [], last: string | null = null): () => void {
  const previous = new Map<string, string | null>();
  const order = Object.keys(files).sort((a, b) => Number(a === last) - Number(b === last));
  for (const rel of order) {
    const abs = path.join(s.instanceDir, rel);
    const before = readOrNull(abs);
    if (before === files[rel]) continue;
    previous.set(rel, before);
    writeFileAtomic(abs, files[rel]!);
  }
  for (const rel of remove) {
    const abs = path.join(s.instanceDir, rel);
    const before = readOrNull(abs);
    if (before === null) continue;
    previous.set(rel, before);
    unlinkSync(abs);
  }
  return () => {
    for (const [rel, before] of previous) {
      const abs = path.join(s.instanceDir, rel);
      if (before === null) {
        try {
          unlinkSync(abs);
        } catch {
          /* already gone */
        }
      } else writeFileAtomic(abs, before);
    }
  };
}

export type ConfigTest = { ok: true; ms: number } | { ok: false; ms: number; reason: string; output: string[] };

/** `nginx -t` of the instance's configuration as written (the running nginx is not touched). */
export function testConfig(s: EdgeRuntimeSettings): Promise<ConfigTest> {
  const p = edgePaths(s);
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(s.bin, ["-t", "-q", "-p", `${p.dir}/`, "-c", p.config], { cwd: p.dir, timeout: s.testTimeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const ms = Date.now() - t0;
      if (!error) return resolve({ ok: true, ms });
      const output = `${stderr}\n${stdout}`
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-12);
      const killed = (error as { killed?: boolean }).killed;
      const reason = killed
        ? `nginx -t did not finish within ${s.testTimeoutMs} ms`
        : (emergReason(output.join("\n")) ?? output.find((l) => !/test failed/.test(l)) ?? error.message);
      resolve({ ok: false, ms, reason: reason.replace(/^nginx: /, ""), output });
    });
  });
}
