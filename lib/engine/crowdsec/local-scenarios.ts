import "server-only";
import { readFileSync, statSync } from "node:fs";
import { errnoCode, RACY_MS } from "./scenario-reads";

// Local scenario files (regular files in the runtime's scenarios directory, or links to something
// that is not a hub item): the `name:` of each YAML document, parsed once per (path, mtimeMs, size).

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
export function readLocal(full: string, file: string, viaLink: boolean): LocalParse {
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

/** Test hook: forget the parsed local files. */
export function clearLocalCache(): void {
  localCache.clear();
}
