import "server-only";
import { closeSync, openSync, readSync, statSync } from "node:fs";

// Reading a runtime's log files (the agent's, the edge's): from an offset (what one start or reload
// wrote) or as a tail (what a card shows after a failure). Never the whole of a large file.

export const TAIL_LINES = 12;

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Text of a file from `offset` (from 0 if the file shrank: rotated), at most the last maxBytes. */
export function readFrom(file: string, offset: number, maxBytes = 256 * 1024): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = statSync(file).size;
    let start = offset > size ? 0 : offset;
    if (size - start > maxBytes) start = size - maxBytes;
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Non-empty lines, each capped at 400 characters, without consecutive repeats (a fatal line printed twice). */
export function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
    .filter((l, i, all) => l.trim() !== "" && l !== all[i - 1]);
}

/** The last `n` lines of a file, reading at most its last 64 KB. */
export function tailOf(file: string, n = TAIL_LINES): string[] {
  return lines(readFrom(file, Math.max(0, fileSize(file) - 64 * 1024))).slice(-n);
}
