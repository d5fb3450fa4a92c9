import "server-only";
import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { log } from "../log";
import type { Surface } from "./drift-report";

// The drift detector's file watches. fs.watch on a directory sees entries created, removed or renamed
// in it. A watched directory can itself be removed or replaced (the runtime dir deleted, a config tool
// swapping dirs): after every check each watch is re-armed if its directory's inode changed, and a
// missing directory is watched through its nearest existing parent, so its re-creation triggers a check too.

export class RuntimeWatches {
  private watchers = new Map<string, { watcher: FSWatcher; watched: string; ino: number | null }>();

  /** Watches each target path; `onChange` is called with the target's surfaces when it (or its watch) changes. */
  ensure(targets: readonly [string, readonly Surface[]][], onChange: (surfaces: readonly Surface[]) => void): void {
    for (const [target, surfaces] of targets) {
      const watched = nearestExisting(target);
      const ino = inode(watched);
      const current = this.watchers.get(target);
      if (current && current.watched === watched && current.ino === ino) continue;
      current?.watcher.close();
      if (!watched) {
        this.watchers.delete(target);
        continue;
      }
      try {
        const watcher = watch(watched, { persistent: false }, () => onChange(surfaces));
        watcher.on("error", () => {
          watcher.close();
          this.watchers.delete(target);
          onChange(surfaces);
        });
        this.watchers.set(target, { watcher, watched, ino });
      } catch (error) {
        log.warn(
          { event: "drift_watch_failed", source: "lib/drift", dir: watched, reason: (error as Error).message },
          "cannot watch a runtime directory; the ticker still checks it",
        );
      }
    }
  }

  close(): void {
    for (const w of this.watchers.values()) w.watcher.close();
    this.watchers.clear();
  }
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d)) {
    const parent = path.dirname(d);
    if (parent === d) return d;
    d = parent;
  }
  return d;
}

function inode(p: string): number | null {
  try {
    return statSync(p).ino;
  } catch {
    return null;
  }
}
