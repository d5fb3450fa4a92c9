import { writeFileSync as put } from "node:fs";

export function save(path: string): void {
  put(path, "tuning");
}
