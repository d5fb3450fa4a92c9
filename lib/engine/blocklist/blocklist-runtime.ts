import "server-only";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { writeFileAtomic } from "../atomic-write";
import { controlGet, type WaitOptions, type WaitResult } from "../edge/control";
import { writeFiles } from "../edge/instance-dir";
import { withEdgeLock } from "../edge/lock";
import { EdgeReloadError, EdgeRuntimeError, reloadMaster } from "../edge/master";
import { findMaster } from "../edge/process";
import { edgePaths, type EdgeRuntimeSettings } from "../edge/settings";
import { BLOCKLIST_FILE, BLOCKLIST_META_FILE, BLOCKLIST_PATH, parseBlocklistMeta, renderBlocklist, renderBlocklistMeta } from "./render-blocklist";

// The edge's blocklist as a runtime of its own: write the `geo` include and its generation file, let
// `nginx -t` check them, HUP once, and confirm on the control listener that new connections get the
// new generation. A failure puts the previous files back: the edge keeps serving the last good
// blocklist. Runs under the edge lock, so it never interleaves with an apply of the configuration.

export interface BlocklistServed {
  generation: number;
  count: number;
  hash: string;
}

export type BlocklistProbe = ({ ok: true } & BlocklistServed & { latencyMs: number }) | { ok: false; error: string; latencyMs: number };

export interface BlocklistApplyReport {
  /** reloaded: nginx serves it; written: the edge is not running (it loads the files at start); unchanged. */
  action: "reloaded" | "written" | "unchanged";
  generation: number;
  count: number;
  hash: string;
  ms: number;
  reloadMs?: number;
}

/** What the control listener says about the blocklist it loaded; never throws. */
export async function probeBlocklist(s: EdgeRuntimeSettings, timeoutMs = 1_000): Promise<BlocklistProbe> {
  const r = await controlGet(s, BLOCKLIST_PATH, timeoutMs);
  if (!r.ok) return r;
  const meta = parseBlocklistMeta(r.body);
  return meta
    ? { ok: true, ...meta, latencyMs: r.latencyMs }
    : { ok: false, error: "the control listener answered something that is not a blocklist generation", latencyMs: r.latencyMs };
}

function highestFile(s: EdgeRuntimeSettings): string {
  return path.join(edgePaths(s).state, "blocklist-generation");
}

function readNumber(file: string): number {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

function readMeta(s: EdgeRuntimeSettings): BlocklistServed | null {
  try {
    return parseBlocklistMeta(readFileSync(path.join(s.instanceDir, BLOCKLIST_META_FILE), "utf8"));
  } catch {
    return null;
  }
}

/** What is on disk (the files the next start or reload loads). */
export function blocklistOnDisk(s: EdgeRuntimeSettings): BlocklistServed | null {
  return readMeta(s);
}

/**
 * The files nginx.conf includes must exist before any `nginx -t`: an empty blocklist (generation 0)
 * when the decision loop has never written one. Existing files are left as they are.
 */
export function ensureBlocklistFiles(s: EdgeRuntimeSettings): void {
  const list = path.join(s.instanceDir, BLOCKLIST_FILE);
  const meta = path.join(s.instanceDir, BLOCKLIST_META_FILE);
  if (existsSync(list) && existsSync(meta)) return;
  mkdirSync(path.dirname(list), { recursive: true });
  const empty = renderBlocklist([]);
  writeFileAtomic(list, empty.text);
  writeFileAtomic(meta, renderBlocklistMeta(0, 0, empty.hash));
}

function waitForBlocklist(s: EdgeRuntimeSettings, want: BlocklistServed) {
  return async (options: WaitOptions): Promise<WaitResult> => {
    const t0 = performance.now();
    const since = () => Math.round(performance.now() - t0);
    for (;;) {
      const abort = options.abortReason?.() ?? null;
      if (abort !== null) return { ok: false, ms: since(), reason: abort, last: null };
      const left = options.timeoutMs - since();
      if (left <= 0)
        return { ok: false, ms: since(), reason: `the edge did not serve blocklist generation ${want.generation} within ${options.timeoutMs} ms`, last: null };
      const p = await probeBlocklist(s, Math.max(50, Math.min(1_000, left)));
      if (p.ok && p.generation === want.generation && p.hash === want.hash) return { ok: true, ms: since() };
      await new Promise((r) => setTimeout(r, options.pollMs ?? 10));
    }
  };
}

/** Makes the edge serve exactly `entries` (canonical values, already classified). */
export function applyBlocklist(s: EdgeRuntimeSettings, entries: readonly string[], options: { holder?: string } = {}): Promise<BlocklistApplyReport> {
  const rendered = renderBlocklist(entries);
  return withEdgeLock(
    s,
    async () => {
      const t0 = performance.now();
      const ms = () => Math.round(performance.now() - t0);
      const running = findMaster(s, { scan: false });
      const onDisk = readMeta(s);
      const served = running ? await probeBlocklist(s) : null;
      const listOnDisk = (() => {
        try {
          return readFileSync(path.join(s.instanceDir, BLOCKLIST_FILE), "utf8");
        } catch {
          return null;
        }
      })();
      const intact = listOnDisk === rendered.text && onDisk?.hash === rendered.hash;
      if (intact && (!running || (served?.ok && served.hash === rendered.hash && served.generation === onDisk.generation))) {
        return { action: "unchanged", generation: onDisk.generation, count: rendered.count, hash: rendered.hash, ms: ms() };
      }
      const generation = Math.max(onDisk?.generation ?? 0, served?.ok ? served.generation : 0, readNumber(highestFile(s))) + 1;
      const want = { generation, count: rendered.count, hash: rendered.hash };
      mkdirSync(edgePaths(s).state, { recursive: true, mode: 0o700 });
      const restore = writeFiles(
        s,
        { [BLOCKLIST_FILE]: rendered.text, [BLOCKLIST_META_FILE]: renderBlocklistMeta(generation, rendered.count, rendered.hash) },
        [],
        BLOCKLIST_META_FILE,
      );
      writeFileAtomic(highestFile(s), `${generation}\n`);
      if (!running) return { action: "written", ...want, ms: ms() };
      // No separate `nginx -t`: the running master parses the new configuration on HUP and keeps its
      // workers on the old one if it refuses (reloadMaster reads that [emerg]); the values were checked by
      // the ban grammar and again by the renderer. A test first would load the CRS once more (~0.2–0.3 s).
      try {
        const reload = await reloadMaster(s, running.pid, waitForBlocklist(s, want));
        return { action: "reloaded", ...want, ms: ms(), reloadMs: reload.ms };
      } catch (error) {
        if (error instanceof EdgeReloadError && error.kind !== "timeout") {
          restore();
          const keeps = served?.ok ? `blocklist generation ${served.generation}` : "its previous blocklist";
          throw new EdgeRuntimeError(
            `nginx refused the configuration with the new blocklist, so the edge keeps serving ${keeps}: ${error.message}`,
            error.logTail,
          );
        }
        throw error;
      }
    },
    { holder: options.holder ?? `panel pid ${process.pid} applying the blocklist`, timeoutMs: s.testTimeoutMs + s.reloadTimeoutMs + 5_000 },
  );
}
