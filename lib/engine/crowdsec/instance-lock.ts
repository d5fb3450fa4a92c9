import "server-only";
import { fileLockHolder, withFileLock, type LockContent, type LockOptions } from "../file-lock";
import { instancePaths, type CrowdsecRuntimeSettings } from "./settings";

// The CrowdSec instance's lock (lib/engine/file-lock.ts): creating, starting, stopping the agent and
// writing its scenario links never interleave across the panel, the CLI and another panel process.

export type { LockContent, LockOptions };

export function withInstanceLock<T>(s: CrowdsecRuntimeSettings, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  return withFileLock({ file: instancePaths(s).lockFile, dir: s.instanceDir, name: "the CrowdSec instance" }, fn, options);
}

/** Who holds the instance lock now (null when free); for status and the CLI. */
export function lockHolder(s: CrowdsecRuntimeSettings): LockContent | null {
  return fileLockHolder(instancePaths(s).lockFile);
}
