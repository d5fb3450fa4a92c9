import * as fs from "node:fs";

export function link(target: string, path: string): void {
  fs.readFileSync(target);
  fs.symlinkSync(target, path);
}
