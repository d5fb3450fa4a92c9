import "server-only";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { EdgeIntent } from "./edge-intent";
import {
  GENERATION_FILE,
  NO_EXTENSIONS,
  PROBE_BODY,
  PROBE_FILE,
  renderGenerationFile,
  renderNginxConf,
  renderSiteConf,
  siteFile,
  type EdgeExtensions,
} from "./render-nginx";
import { renderModsecFiles } from "./render-modsec";
import { servedSites } from "./edge-intent";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";

// The edge's rendered set: every file Warden writes into the instance, as one value with one hash.
// The hash covers every file but the generation file (which carries the hash), so it names the
// configuration, and the control listener's answer says which configuration nginx has loaded.
// The manifest (state/manifest.json) records what was last written: generation, hash, each file's
// sha256 and the intent it came from (what the runtime row shows for a hash).

export interface RenderedSet {
  /** Path relative to the instance → content; without the generation file. */
  files: Record<string, string>;
  /** sha256 (hex) of the set. */
  hash: string;
}

export interface EdgeManifest {
  format: 1;
  generation: number;
  hash: string;
  /** Path relative to the instance → sha256 of its content, including the generation file. */
  files: Record<string, string>;
  intent: EdgeIntent;
  writtenAt: string;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function setHash(files: Record<string, string>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(files).sort()) h.update(`${name}\0${files[name]}\0`);
  return h.digest("hex");
}

/** Renders the whole set for a validated intent (pure: same intent and settings, same bytes). */
export function renderSet(intent: EdgeIntent, s: EdgeRuntimeSettings, ext: EdgeExtensions = NO_EXTENSIONS): RenderedSet {
  const files: Record<string, string> = { "nginx.conf": renderNginxConf(intent, s, ext) };
  for (const site of servedSites(intent)) files[siteFile(site.id)] = renderSiteConf(site, intent, s, ext);
  Object.assign(files, renderModsecFiles(intent, s));
  files[PROBE_FILE] = PROBE_BODY;
  return { files, hash: setHash(files) };
}

/** The set with its generation file, ready to write. */
export function withGeneration(set: RenderedSet, generation: number): Record<string, string> {
  return { ...set.files, [GENERATION_FILE]: renderGenerationFile(generation, set.hash) };
}

export function manifestFor(set: RenderedSet, generation: number, intent: EdgeIntent): EdgeManifest {
  const files = Object.fromEntries(Object.entries(withGeneration(set, generation)).map(([name, text]) => [name, sha256(text)]));
  return { format: 1, generation, hash: set.hash, files, intent, writtenAt: new Date().toISOString() };
}

export function readManifest(s: EdgeRuntimeSettings): EdgeManifest | null {
  try {
    const m = JSON.parse(readFileSync(edgePaths(s).manifest, "utf8")) as EdgeManifest;
    return m.format === 1 && Number.isSafeInteger(m.generation) && typeof m.hash === "string" ? m : null;
  } catch {
    return null;
  }
}

/** The highest generation ever written to this instance (0 when none). */
export function readHighestGeneration(s: EdgeRuntimeSettings): number {
  try {
    const n = Number(readFileSync(edgePaths(s).highestGeneration, "utf8").trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** What is on disk at one rendered path. */
export type FileOnDisk = { kind: "missing" } | { kind: "unreadable"; reason: string } | { kind: "text"; text: string };

export function readRendered(s: EdgeRuntimeSettings, rel: string): FileOnDisk {
  try {
    return { kind: "text", text: readFileSync(path.join(s.instanceDir, rel), "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "unreadable", reason: code === "EISDIR" ? "a directory, not a file" : (code ?? (error as Error).message) };
  }
}

/** The files Warden wrote that are on disk now (each rendered path plus stale site files in conf.d). */
export function readOnDisk(s: EdgeRuntimeSettings, rels: string[]): Record<string, FileOnDisk> {
  const out: Record<string, FileOnDisk> = {};
  for (const rel of rels) out[rel] = readRendered(s, rel);
  return out;
}

/** Site files in conf.d that no longer belong to the set (a removed or disabled site). */
export function staleSiteFiles(s: EdgeRuntimeSettings, keep: Record<string, string>): string[] {
  let names: string[];
  try {
    names = readdirSync(edgePaths(s).confD);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^site-[a-z0-9_-]+\.conf$/.test(n))
    .map((n) => `conf.d/${n}`)
    .filter((rel) => !(rel in keep));
}

/** The generation the generation file on disk names (null if it is missing or not Warden's). */
export function generationOnDisk(s: EdgeRuntimeSettings): { generation: number; hash: string } | null {
  const file = readRendered(s, GENERATION_FILE);
  if (file.kind !== "text") return null;
  const m = /"generation":(\d+),"hash":"([0-9a-f]{64})"/.exec(file.text);
  return m ? { generation: Number(m[1]), hash: m[2]! } : null;
}
