import "server-only";
import { probeControl } from "./control";
import { missingEdgePackage } from "./instance-dir";
import type { EdgeIntent } from "./edge-intent";
import { errorLogTail, lastLoadedAt } from "./logs";
import { orphanedEdgeProcesses, pidFileStatus, type PidFileState } from "./process";
import { readManifest, readRendered, sha256, type EdgeManifest } from "./rendered-set";
import { processStartedAt } from "../proc";
import type { EdgeRuntimeSettings } from "./settings";

// What the edge really is, read without changing anything (no spawn, no write): the master from
// its pid file and /proc, the generation and hash its control listener answers, what Warden last
// wrote (the manifest) and whether each written file is still as written.

export type FileState = "as_written" | "edited" | "missing" | "unreadable";

export interface EdgeObservation {
  observedAt: string;
  /** null when the packages are there; else what is missing. */
  notInstalled: string | null;
  running: boolean;
  pid: number | null;
  startedAt: string | null;
  pidFile: PidFileState;
  /** The control listener's answer: what nginx has loaded. */
  served: { generation: number; hash: string; latencyMs: number } | null;
  controlError: string | null;
  /** When the loaded configuration became live (the error log's last "start worker processes"). */
  loadedAt: string | null;
  /** What Warden last wrote; its intent is what the served hash stands for when the hashes agree. */
  written: { generation: number; hash: string; writtenAt: string; intent: EdgeIntent } | null;
  /** Each written file against the manifest's sha256. */
  files: { path: string; state: FileState }[];
  /** nginx processes of this instance without a master (a master killed with SIGKILL). */
  orphans: number[];
  /** Last lines of the error log when something is wrong. */
  logTail: string[];
  /** The last Verify run of this process: the generation it probed and what failed (drift when it is the generation served). */
  verify?: { generation: number | null; failures: string[]; at: string } | null;
}

function fileStates(s: EdgeRuntimeSettings, manifest: EdgeManifest | null): EdgeObservation["files"] {
  if (!manifest) return [];
  return Object.entries(manifest.files)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([rel, hash]) => {
      const file = readRendered(s, rel);
      const state: FileState = file.kind === "text" ? (sha256(file.text) === hash ? "as_written" : "edited") : file.kind;
      return { path: rel, state };
    });
}

export async function observeEdge(s: EdgeRuntimeSettings): Promise<EdgeObservation> {
  const observedAt = new Date().toISOString();
  const { state, pid } = pidFileStatus(s);
  const running = state === "alive" && pid !== null;
  const probe = running ? await probeControl(s) : null;
  const manifest = readManifest(s);
  const orphans = running ? [] : orphanedEdgeProcesses(s);
  const loaded = running ? lastLoadedAt(s) : null;
  const files = fileStates(s, manifest);
  const troubled = (running && probe !== null && !probe.ok) || orphans.length > 0 || state === "stale_dead";
  return {
    observedAt,
    notInstalled: missingEdgePackage(s),
    running,
    pid: running ? pid : null,
    startedAt: running ? (processStartedAt(pid!)?.toISOString() ?? null) : null,
    pidFile: state,
    served: probe?.ok ? { generation: probe.generation, hash: probe.hash, latencyMs: probe.latencyMs } : null,
    controlError: probe && !probe.ok ? probe.error : null,
    loadedAt: loaded?.toISOString() ?? null,
    written: manifest ? { generation: manifest.generation, hash: manifest.hash, writtenAt: manifest.writtenAt, intent: manifest.intent } : null,
    files,
    orphans,
    logTail: troubled ? errorLogTail(s) : [],
  };
}
