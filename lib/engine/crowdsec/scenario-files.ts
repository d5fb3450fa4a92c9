// The `scenarios` drift surface: which CrowdSec scenarios the runtime has enabled on disk
// (symlinks into the hub, as cscli makes them; local files by their names: ADR 007), against the scenario intent.
//
//   Enabled = a `*.yaml`/`*.yml` entry of `<instance>/etc/scenarios/`.
//   - A symlink is a hub item: its name is `<author>/<stem>` from the target path
//     (`…/scenarios/<author>/<stem>.yaml`). A link whose target is missing (dangling) is NOT
//     enabled: there is nothing for CrowdSec to load (its hub loader drops such a link); it is
//     reported as a problem, and listed in `broken` so a difference can say why.
//   - A regular file is a local item: each YAML document's top-level `name:` (one file can define
//     several buckets). A document without `name:` is a problem (CrowdSec refuses it).
//   - A symlink whose target is not shaped like a hub scenario is read as a local item (by content).
//   - Anything else (README, *.bak, a directory) is ignored, and counted.
// The agent rereads these files only on SIGHUP or restart, so this is what the runtime *will* load,
// which may differ from what the running agent loaded (see the notes).
//
// Speed: one check over 5,000 links must stay under 50 ms on a 2-core machine. So: one
// readdirSync with file types, readlinkSync only for links, no stat per link when the hub listing
// (cached by directory mtimes) answers whether the target exists, no path.resolve for an absolute
// normalized target, local files parsed once per (path, mtimeMs, size), no async fs per file; and
// the directory's listing (entries + link targets) is reused while its mtime has not moved, since
// links cannot change in place. Measure: `npx tsx --conditions=react-server lib/engine/crowdsec/__fixtures__/bench-scenarios.ts`.
import "server-only";
import { readlinkSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { plural } from "../../plural";
import { clearHubCache, hubIndex, type HubIndex } from "./hub-index";
import { clearLocalCache, readLocal } from "./local-scenarios";
import { isYaml, stemOf } from "./scenario-paths";
import { errnoCode, RACY_MS } from "./scenario-reads";

export interface RuntimeScenarioItem {
  /** The entry's absolute path in the scenarios directory (the link itself for a hub item). */
  file: string;
  kind: "hub" | "local";
}

export interface RuntimeScenariosOk {
  ok: true;
  /** The scenarios directory that was read (absolute). */
  dir: string;
  /** name → where it is enabled. */
  enabled: Map<string, RuntimeScenarioItem>;
  /** Hub names whose link is dangling (not enabled) → the link's absolute path. */
  broken: Map<string, string>;
  /** One sentence each: dangling links, local files without names, duplicates, unreadable entries. */
  problems: string[];
  /** Entries that are not scenario files (README, *.bak, …), by file name. */
  ignored: string[];
}

export type RuntimeScenarios = RuntimeScenariosOk | { ok: false; reason: string };

/** One entry of the scenarios directory, as listed (what a check needs, without touching the disk again). */
type ListedEntry =
  | { kind: "ignored"; file: string }
  | { kind: "other"; file: string }
  | { kind: "file"; file: string }
  | { kind: "bad-link"; file: string; error: string }
  /** A link shaped like a hub item: `rel` is `<author>/<stem>.yaml`, `name` `<author>/<stem>`; `item` is reused across checks. */
  | { kind: "hub-link"; file: string; target: string; rel: string; name: string; item: RuntimeScenarioItem }
  /** A link to something else: read by content, like a local file. */
  | { kind: "other-link"; file: string; target: string };

interface DirListing {
  dev: number;
  ino: number;
  mtimeMs: number;
  entries: ListedEntry[];
}

/**
 * Listings of scenarios directories, reused while the directory's (dev, ino, mtimeMs) are the same.
 * That is sound for what a listing holds: entries and link targets. A link's target cannot change
 * in place (retargeting is unlink + symlink, which changes the directory's mtime); a regular file's
 * content can, so local files are stat'ed on every check (localCache). A listing is kept only when
 * the directory's mtime was at least RACY_MS older than the read, so that a change made in the same
 * coarse timestamp tick as the listing still shows as a new mtime (the "racy git" problem).
 */
const dirCache = new Map<string, DirListing>();

function listDir(dir: string, prefix: string): { ok: true; entries: ListedEntry[] } | { ok: false; reason: string } {
  let st;
  try {
    st = statSync(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT") return { ok: false, reason: `the runtime's scenarios directory ${dir} does not exist` };
    if (code === "ENOTDIR") return { ok: false, reason: `a parent of the runtime's scenarios directory ${dir} is not a directory` };
    if (code === "EACCES" || code === "EPERM") return { ok: false, reason: `permission denied reading ${dir}` };
    return { ok: false, reason: `the runtime's scenarios directory ${dir} cannot be read (${code ?? (error as Error).message})` };
  }
  if (!st.isDirectory()) return { ok: false, reason: `the runtime's scenarios path ${dir} is not a directory` };
  const cached = dirCache.get(dir);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.ino === st.ino && cached.dev === st.dev) return { ok: true, entries: cached.entries };

  const readAt = Date.now();
  let dirents;
  try {
    dirents = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoCode(error);
    if (code === "EACCES" || code === "EPERM") return { ok: false, reason: `permission denied reading ${dir}` };
    if (code === "ENOENT") return { ok: false, reason: `the runtime's scenarios directory ${dir} does not exist` };
    return { ok: false, reason: `the runtime's scenarios directory ${dir} cannot be read (${code ?? (error as Error).message})` };
  }
  const entries: ListedEntry[] = new Array(dirents.length);
  let n = 0;
  for (const d of dirents) {
    const file = d.name;
    if (!isYaml(file)) {
      entries[n++] = { kind: "ignored", file };
      continue;
    }
    if (d.isSymbolicLink()) {
      let target: string;
      try {
        target = readlinkSync(prefix + file);
      } catch (error) {
        entries[n++] = { kind: "bad-link", file, error: errnoCode(error) ?? (error as Error).message };
        continue;
      }
      if (target.charCodeAt(0) !== 47 /* "/" */) target = path.resolve(dir, target);
      else if (target.includes("/.") || target.includes("//")) target = path.normalize(target);
      // …/scenarios/<author>/<stem>.yaml ?
      const s2 = target.lastIndexOf("/");
      const s1 = s2 > 0 ? target.lastIndexOf("/", s2 - 1) : -1;
      const s0 = s1 > 0 ? target.lastIndexOf("/", s1 - 1) : -1;
      const base = target.slice(s2 + 1);
      if (s1 > 0 && s0 >= 0 && isYaml(base) && target.slice(s0 + 1, s1) === "scenarios") {
        const author = target.slice(s1 + 1, s2);
        const item: RuntimeScenarioItem = Object.freeze({ file: prefix + file, kind: "hub" });
        entries[n++] = { kind: "hub-link", file, target, rel: `${author}/${base}`, name: `${author}/${stemOf(base)}`, item };
      } else {
        entries[n++] = { kind: "other-link", file, target };
      }
      continue;
    }
    entries[n++] = d.isFile() ? { kind: "file", file } : { kind: "other", file };
  }
  entries.length = n;
  if (readAt - st.mtimeMs >= RACY_MS) dirCache.set(dir, { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, entries });
  else dirCache.delete(dir);
  return { ok: true, entries };
}

/**
 * Reads the runtime's enabled scenarios from its config scenarios directory (`<instance>/etc/scenarios`).
 * With `hubDir`, a link into that hub is checked against the cached hub listing (no stat per link),
 * and a link pointing elsewhere is reported as a problem (still counted by its name); without it,
 * each link's target is stat'ed.
 */
export function readRuntimeScenarios(configScenariosDir: string, hubDir?: string): RuntimeScenarios {
  const dir = path.resolve(configScenariosDir);
  const prefix = dir + path.sep;
  const listing = listDir(dir, prefix);
  if (!listing.ok) return listing;

  let hub: HubIndex | null = null;
  const problems: string[] = [];
  if (hubDir !== undefined) {
    const h = hubIndex(hubDir);
    if (h.ok) hub = h.index;
    else problems.push(`${h.reason}: link targets are checked one by one`);
  }

  const enabled = new Map<string, RuntimeScenarioItem>();
  const broken = new Map<string, string>();
  const ignored: string[] = [];
  const outsideHub: string[] = [];

  const add = (name: string, file: string, kind: RuntimeScenarioItem["kind"]) => {
    const prev = enabled.get(name);
    if (prev) {
      const a = prev.file.slice(prefix.length);
      problems.push(`${name} is enabled twice (${a} and ${file}); ${a} is counted`);
    } else enabled.set(name, { file: prefix + file, kind });
  };
  /** `source` is what is read: the file itself, or a link's resolved target. */
  const addLocal = (source: string, file: string, viaLink: boolean) => {
    const parsed = readLocal(source, file, viaLink);
    for (const p of parsed.problems) problems.push(p);
    for (const name of parsed.names) add(name, file, "local");
  };

  for (const e of listing.entries) {
    switch (e.kind) {
      case "hub-link": {
        let exists: boolean;
        if (hub && e.target.length === hub.prefix.length + e.rel.length && e.target.startsWith(hub.prefix)) {
          exists = hub.files.has(e.rel);
        } else {
          if (hub) outsideHub.push(e.file);
          exists = statSync(e.target, { throwIfNoEntry: false })?.isFile() ?? false;
        }
        if (exists) {
          if (!enabled.has(e.name)) enabled.set(e.name, e.item);
          else add(e.name, e.file, "hub");
        } else {
          problems.push(`${e.file} links to ${e.target}, which does not exist: ${e.name} is not enabled (CrowdSec cannot load it)`);
          if (!broken.has(e.name)) broken.set(e.name, prefix + e.file);
        }
        break;
      }
      case "other-link":
        // Not a hub item: CrowdSec loads whatever the link points to, so read it as a local file.
        addLocal(e.target, e.file, true);
        break;
      case "file":
        addLocal(prefix + e.file, e.file, false);
        break;
      case "ignored":
        ignored.push(e.file);
        break;
      case "other":
        problems.push(`${e.file} is not a file or a link (ignored)`);
        ignored.push(e.file);
        break;
      case "bad-link":
        problems.push(`${e.file}: the link cannot be read (${e.error})`);
        break;
    }
  }

  if (outsideHub.length > 0) {
    const shown = outsideHub.slice(0, 5).join(", ");
    problems.push(
      `${plural(outsideHub.length, "link")} ${outsideHub.length === 1 ? "points" : "point"} outside the hub ${hub!.prefix.slice(0, -1)} (${shown}${outsideHub.length > 5 ? ", …" : ""}); they are counted by their target's name`,
    );
  }
  for (const name of enabled.keys()) broken.delete(name);
  return { ok: true, dir, enabled, broken, problems, ignored };
}

/** Test hook: forget cached local files, hub listings and directory listings. */
export function clearScenarioCaches(): void {
  clearLocalCache();
  clearHubCache();
  dirCache.clear();
}
