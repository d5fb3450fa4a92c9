import "server-only";
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

// File writes shared by the drivers (lib/engine is the only place that writes the runtime's files).

/** Writes through a temp file and a rename: a reader (a runtime, the drift detector) never sees half a file. */
export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}
