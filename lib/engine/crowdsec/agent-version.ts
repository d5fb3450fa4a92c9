import "server-only";
import { execFile } from "node:child_process";
import type { CrowdsecRuntimeSettings } from "./settings";

// The agent's version: spawned at most once per binary and process; status polling only reads the cache.

const versionCache = new Map<string, string | null>();
const versionPending = new Map<string, Promise<string | null>>();

export function agentVersion(s: CrowdsecRuntimeSettings): Promise<string | null> {
  if (versionCache.has(s.bin)) return Promise.resolve(versionCache.get(s.bin) ?? null);
  let pending = versionPending.get(s.bin);
  if (!pending) {
    pending = new Promise<string | null>((resolve) => {
      execFile(s.bin, ["-version"], { timeout: 5_000 }, (error, stdout, stderr) => {
        const m = /version:\s*(v?\S+)/.exec(`${stdout}\n${stderr}`);
        const version = m ? m[1]! : null;
        if (!error || version) versionCache.set(s.bin, version);
        versionPending.delete(s.bin);
        resolve(version);
      });
    });
    versionPending.set(s.bin, pending);
  }
  return pending;
}

/** The version if agentVersion() has already run in this process; never spawns. */
export function knownAgentVersion(s: CrowdsecRuntimeSettings): string | null {
  return versionCache.get(s.bin) ?? null;
}
