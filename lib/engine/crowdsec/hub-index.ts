import "server-only";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { byName, isYaml, stemOf } from "./scenario-paths";
import { errnoCode, RACY_MS } from "./scenario-reads";

// The hub: the scenarios available to the runtime, listed once and cached by directory mtimes.

export interface HubIndex {
  /** `<hub>/scenarios/` (absolute, with the trailing separator). */
  prefix: string;
  scenariosMtime: number;
  authorMtimes: Map<string, number>;
  /** author/stem, sorted. */
  names: string[];
  /** author/file (e.g. "crowdsecurity/ssh-bf.yaml") of each scenario file, to answer "does this link's target exist". */
  files: Set<string>;
}
const hubCache = new Map<string, HubIndex>();

export function hubIndex(hubDir: string): { ok: true; index: HubIndex } | { ok: false; reason: string } {
  const root = path.resolve(hubDir, "scenarios");
  let rootMtime: number;
  try {
    const st = statSync(root);
    if (!st.isDirectory()) return { ok: false, reason: `the hub's scenarios path ${root} is not a directory` };
    rootMtime = st.mtimeMs;
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT") return { ok: false, reason: `the hub's scenarios directory ${root} does not exist` };
    if (code === "EACCES") return { ok: false, reason: `permission denied reading ${root}` };
    return { ok: false, reason: `the hub's scenarios directory ${root} cannot be read (${code ?? (error as Error).message})` };
  }

  const cached = hubCache.get(root);
  if (cached && cached.scenariosMtime === rootMtime) {
    let same = true;
    for (const [author, mtime] of cached.authorMtimes) {
      const st = statSync(root + path.sep + author, { throwIfNoEntry: false });
      if (!st || st.mtimeMs !== mtime) {
        same = false;
        break;
      }
    }
    if (same) return { ok: true, index: cached };
  }

  const readAt = Date.now();
  let newest = rootMtime;
  let authors;
  try {
    authors = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    return { ok: false, reason: `the hub's scenarios directory ${root} cannot be read (${errnoCode(error) ?? (error as Error).message})` };
  }
  const authorMtimes = new Map<string, number>();
  const names = new Set<string>();
  const files = new Set<string>();
  for (const a of authors) {
    if (a.name.startsWith(".")) continue;
    const authorDir = root + path.sep + a.name;
    const st = a.isDirectory() || a.isSymbolicLink() ? statSync(authorDir, { throwIfNoEntry: false }) : undefined;
    if (!st || !st.isDirectory()) continue;
    authorMtimes.set(a.name, st.mtimeMs);
    if (st.mtimeMs > newest) newest = st.mtimeMs;
    let entries;
    try {
      entries = readdirSync(authorDir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!isYaml(e.name)) continue;
      if (e.isSymbolicLink()) {
        const target = statSync(authorDir + path.sep + e.name, { throwIfNoEntry: false });
        if (!target || !target.isFile()) continue;
      } else if (!e.isFile()) continue;
      files.add(`${a.name}/${e.name}`);
      names.add(`${a.name}/${stemOf(e.name)}`);
    }
  }
  const index: HubIndex = {
    prefix: root + path.sep,
    scenariosMtime: rootMtime,
    authorMtimes,
    names: [...names].sort(byName),
    files,
  };
  if (readAt - newest >= RACY_MS) hubCache.set(root, index);
  else hubCache.delete(root);
  return { ok: true, index };
}

/**
 * The scenarios the hub offers (`<hub>/scenarios/<author>/<stem>.yaml` → `author/stem`), sorted.
 * Cached by the mtimes of the hub's scenarios directory and its author directories: while none
 * changed, the same array is returned (do not mutate it). A hub changed within the last second
 * (RACY_MS) is listed again on each call until it settles. A missing or unreadable hub gives an
 * empty list; hubProblem() says why (readRuntimeScenarios also lists it among its problems).
 */
export function readHubScenarios(hubDir: string): string[] {
  const r = hubIndex(hubDir);
  return r.ok ? r.index.names : [];
}

/** Why the hub's scenarios cannot be listed, or null when they can. */
export function hubProblem(hubDir: string): string | null {
  const r = hubIndex(hubDir);
  return r.ok ? null : r.reason;
}

/** Test hook: forget the hub listings. */
export function clearHubCache(): void {
  hubCache.clear();
}
