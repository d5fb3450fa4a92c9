import { rmSync, unlinkSync } from "node:fs";

const remove = rmSync; // the binding is not a use: each use of `remove` is

export function purge(paths: string[]): void {
  remove(paths[0]!, { force: true });
  paths.forEach(unlinkSync);
}
