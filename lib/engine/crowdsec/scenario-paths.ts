import path from "node:path";

// Scenario names and the files that hold them: `<author>/<stem>` in the hub as
// `<hub>/scenarios/<author>/<stem>.yaml`, enabled by a link `<stem>.yaml` in the runtime's scenarios directory.

export const isYaml = (name: string) => name.endsWith(".yaml") || name.endsWith(".yml");
export const stemOf = (file: string) => file.slice(0, file.endsWith(".yaml") ? -5 : -4);
export const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
