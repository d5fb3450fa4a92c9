import "server-only";
import { lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import type { CrowdsecRuntimeSettings } from "./settings";

// The hub items (collections, parsers, postoverflows, scenarios) a new instance enables: those the
// package enables in its own etc dir, else a fallback set of collections with everything they pull in;
// and always the nginx collection, whatever the package enables: the agent reads the edge's logs.

/** Used when the package enables nothing in its etc dir. */
const FALLBACK_COLLECTIONS = ["crowdsecurity/linux", "crowdsecurity/nginx"];
/** Enabled in every new instance: the nginx-logs parser and the HTTP scenarios (http-probing, …). */
export const REQUIRED_COLLECTIONS = ["crowdsecurity/nginx"];
const ITEM_TYPES = ["collections", "parsers", "postoverflows", "scenarios"] as const;
type ItemType = (typeof ITEM_TYPES)[number];

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

/** The hub-relative paths a new instance enables (Debian 12's package already enables the nginx collection). */
export function defaultItems(s: CrowdsecRuntimeSettings, hubDir: string): string[] {
  const fromPackage = packageEnabledItems(s);
  const index = () => JSON.parse(readFileSync(path.join(hubDir, ".index.json"), "utf8")) as HubIndex;
  if (fromPackage.length === 0) return collectionItems(index(), [...FALLBACK_COLLECTIONS, ...REQUIRED_COLLECTIONS]);
  return [...new Set([...fromPackage, ...collectionItems(index(), REQUIRED_COLLECTIONS)])].sort();
}
