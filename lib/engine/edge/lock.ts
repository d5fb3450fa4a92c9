import "server-only";
import { withFileLock, type LockOptions } from "../file-lock";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";

// The edge instance's lock (lib/engine/file-lock.ts): writing its files, `nginx -t`, a start, a HUP
// and a stop never interleave across the panel, the CLI and another panel process.

export function withEdgeLock<T>(s: EdgeRuntimeSettings, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  return withFileLock({ file: edgePaths(s).lockFile, dir: s.instanceDir, name: "the edge" }, fn, options);
}
