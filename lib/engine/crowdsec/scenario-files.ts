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
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import type { Difference, SurfaceCheck } from "../../drift/types";
import { plural } from "../../plural";

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

const isYaml = (name: string) => name.endsWith(".yaml") || name.endsWith(".yml");
const stemOf = (file: string) => file.slice(0, file.endsWith(".yaml") ? -5 : -4);
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every cache here is keyed by mtimes. Timestamps come from a coarse clock, so a change made in the
 * same tick as a read can leave the mtime unchanged ("racy git"): an entry is kept only when what it
 * describes was last modified at least this long before the read.
 */
const RACY_MS = 1_000;

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

// ---------------------------------------------------------------------------------------------
// Local files: `name:` of each YAML document

export interface LocalParse {
  names: string[];
  problems: string[];
}

/** A top-level `name:` scalar, unquoted, without a trailing comment. */
function scalar(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(v);
    if (m) return m[1]!.replace(/\\(.)/g, "$1");
  } else if (v.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'/.exec(v);
    if (m) return m[1]!.replace(/''/g, "'");
  }
  const hash = v.search(/\s#/);
  return (hash === -1 ? v : v.slice(0, hash)).trim();
}

/**
 * The bucket names a local scenario file defines: YAML documents are split on `---` lines (and
 * ended by `...`); each non-empty document must have a top-level `name:`. Only the names are read:
 * the rest of the scenario is CrowdSec's to validate.
 */
export function localScenarioNames(text: string, file: string): LocalParse {
  const names: string[] = [];
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let doc = 0;
  let content = false;
  let docNames: string[] = [];
  const close = () => {
    if (content) {
      doc++;
      if (docNames.length === 0) problems.push(`${file}: YAML document ${doc} has no name: (CrowdSec cannot load a bucket without one)`);
      else {
        if (docNames.length > 1)
          problems.push(`${file}: YAML document ${doc} sets name: ${docNames.length} times; the last one (${docNames[docNames.length - 1]}) is used`);
        names.push(docNames[docNames.length - 1]!);
      }
    }
    content = false;
    docNames = [];
  };
  for (const line of lines) {
    if (line.startsWith("---") && (line.length === 3 || /^---\s/.test(line))) {
      close();
      continue;
    }
    if (line === "..." || /^\.\.\.\s*$/.test(line)) {
      close();
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    content = true;
    if (line.startsWith("name:")) {
      const v = scalar(line.slice(5));
      if (v) docNames.push(v);
    }
  }
  close();
  if (doc === 0) problems.push(`${file}: defines no scenario (the file is empty)`);
  return { names, problems };
}

interface LocalCacheEntry extends LocalParse {
  mtimeMs: number;
  size: number;
}
/** Parsed local files by absolute path; valid while (mtimeMs, size) match (see RACY_MS). */
const localCache = new Map<string, LocalCacheEntry>();

/** `full` is the file (for a link: its resolved target, so a retargeted link is reparsed). */
function readLocal(full: string, file: string, viaLink: boolean): LocalParse {
  let st;
  try {
    st = statSync(full);
  } catch (error) {
    const code = errnoCode(error);
    if (viaLink && code === "ENOENT") return { names: [], problems: [`${file} links to ${full}, which does not exist (CrowdSec cannot load it)`] };
    return { names: [], problems: [`${file} cannot be read (${code ?? (error as Error).message})`] };
  }
  if (!st.isFile()) {
    return { names: [], problems: [viaLink ? `${file} links to ${full}, which is not a regular file` : `${file} is not a regular file`] };
  }
  const cached = localCache.get(full);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached;
  const readAt = Date.now();
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (error) {
    return { names: [], problems: [`${file} cannot be read (${errnoCode(error) ?? (error as Error).message})`] };
  }
  const parsed = localScenarioNames(text, file);
  if (readAt - st.mtimeMs >= RACY_MS) localCache.set(full, { ...parsed, mtimeMs: st.mtimeMs, size: st.size });
  else localCache.delete(full);
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// The hub: scenarios available to the runtime

interface HubIndex {
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

function hubIndex(hubDir: string): { ok: true; index: HubIndex } | { ok: false; reason: string } {
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

// ---------------------------------------------------------------------------------------------
// The runtime's enabled set

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

// ---------------------------------------------------------------------------------------------
// Compare

const MAX_PROBLEMS = 20;

/**
 * Drift (ADR 007): a scenario enabled on disk whose intent is disabled (no intent row
 * means disabled), or an intent-enabled scenario absent on disk. Differences are sorted by name;
 * the summaries hold counts and the first problems only.
 */
export function compareScenarios(intent: Map<string, boolean>, runtime: RuntimeScenariosOk): SurfaceCheck {
  const extra: string[] = [];
  const missing: string[] = [];
  let wanted = 0;
  for (const name of runtime.enabled.keys()) if (intent.get(name) !== true) extra.push(name);
  for (const [name, on] of intent) {
    if (!on) continue;
    wanted++;
    if (!runtime.enabled.has(name)) missing.push(name);
  }

  const differences: Difference[] = [];
  for (const name of extra) differences.push({ item: `scenario ${name}`, expected: "disabled", actual: "enabled" });
  for (const name of missing) {
    const link = runtime.broken.get(name);
    differences.push({
      item: `scenario ${name}`,
      expected: "enabled",
      actual: link ? `disabled (its link ${path.basename(link)} points to a missing file)` : "disabled",
    });
  }
  differences.sort((a, b) => byName(a.item, b.item));

  return {
    surface: "scenarios",
    verdict: differences.length > 0 ? "drift" : "in_sync",
    differences,
    expected: { enabled: wanted },
    actual: {
      enabled: runtime.enabled.size,
      dir: runtime.dir,
      ignored: runtime.ignored.length,
      problems: runtime.problems.slice(0, MAX_PROBLEMS),
      problemCount: runtime.problems.length,
    },
    reason: null,
  };
}

/** The scenarios surface when the runtime's directory cannot be read. */
export function scenariosCannotVerify(reason: string, intent?: Map<string, boolean>): SurfaceCheck {
  let wanted = 0;
  if (intent) for (const on of intent.values()) if (on) wanted++;
  return { surface: "scenarios", verdict: "cannot_verify", differences: [], expected: intent ? { enabled: wanted } : null, actual: null, reason };
}

// ---------------------------------------------------------------------------------------------
// Where a scenario's link lives and points

function splitName(name: string): { author: string; stem: string } {
  const m = /^([^/\\]+)\/([^/\\]+)$/.exec(name);
  if (!m || m[1] === "." || m[1] === ".." || m[2] === "." || m[2] === "..") {
    throw new RangeError(`"${name}" is not a hub scenario name (author/name)`);
  }
  return { author: m[1]!, stem: m[2]! };
}

/** The absolute path a link enabling hub scenario `name` (author/stem) points to. */
export function hubLinkTarget(hubDir: string, name: string): string {
  const { author, stem } = splitName(name);
  return path.resolve(hubDir, "scenarios", author, `${stem}.yaml`);
}

/**
 * Where the link enabling `name` lives: `<dir>/<stem>.yaml`, as cscli names it (the stem only).
 * Two authors with the same stem therefore share one link path: only one of them can be enabled
 * at a time this way (see stemCollisions; Debian's offline hub has none).
 */
export function linkPathFor(configScenariosDir: string, name: string): string {
  const { stem } = splitName(name);
  return path.join(configScenariosDir, `${stem}.yaml`);
}

/** Stems shared by several names (each such group can have only one link): stem → names, sorted. */
export function stemCollisions(names: Iterable<string>): Map<string, string[]> {
  const byStem = new Map<string, string[]>();
  for (const name of names) {
    const slash = name.indexOf("/");
    const stem = slash === -1 ? name : name.slice(slash + 1);
    const group = byStem.get(stem);
    if (group) group.push(name);
    else byStem.set(stem, [name]);
  }
  const out = new Map<string, string[]>();
  for (const [stem, group] of byStem) if (group.length > 1) out.set(stem, group.sort(byName));
  return out;
}

/** Test hook: forget cached local files, hub listings and directory listings. */
export function clearScenarioCaches(): void {
  localCache.clear();
  hubCache.clear();
  dirCache.clear();
}
