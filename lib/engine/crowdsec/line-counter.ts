import "server-only";
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";

// Counting the lines written to a log that only grows, cheaply on big files: a counter remembers how
// far it has read and counts only the newlines appended since. A log rotated (another file at the path)
// or truncated in place (copy + truncate) is counted from its start, and the total goes on: it is the
// lines written since the counter began, across rotations. Lines appended to a rotated file after the
// counter's last look are not seen (it no longer knows where that file is).

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/** Newlines in `file` (a path, or /proc/<pid>/fd/<n>) between byte `from` and `to` (default: its end). */
export function countNewlines(file: string, from = 0, to?: number): number {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return 0;
  }
  try {
    const end = to ?? fstatSync(fd).size;
    const buffer = Buffer.allocUnsafe(CHUNK);
    let count = 0;
    for (let at = from; at < end;) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK, end - at), at);
      if (n <= 0) break;
      const view = buffer.subarray(0, n);
      for (let i = view.indexOf(NEWLINE); i !== -1; i = view.indexOf(NEWLINE, i + 1)) count++;
      at += n;
    }
    return count;
  } finally {
    closeSync(fd);
  }
}

/** Identity and size of a file, or null when it does not exist. */
export function fileIdentity(file: string): { dev: number; ino: number; size: number } | null {
  try {
    const st = statSync(file);
    return { dev: st.dev, ino: st.ino, size: st.size };
  } catch {
    return null;
  }
}

export interface LineCount {
  /** Lines written since the counter began (its `lines` at start included). */
  lines: number;
  /** The file was replaced (rotated) or truncated since the last count. */
  restarted: boolean;
}

export class LineCounter {
  private dev: number | null = null;
  private ino: number | null = null;
  private offset: number;
  private total: number;

  /**
   * Counts `file` from byte `offset` on (where counting starts: 0 = all of it), starting at `lines`.
   * Without an offset it starts at the file's current end: only what is appended from now on counts.
   */
  constructor(
    readonly file: string,
    options: { offset?: number; lines?: number } = {},
  ) {
    const now = fileIdentity(file);
    this.total = options.lines ?? 0;
    this.offset = options.offset ?? now?.size ?? 0;
    if (now) {
      this.dev = now.dev;
      this.ino = now.ino;
    }
  }

  /** Counts what was appended since the last call. */
  count(): LineCount {
    const now = fileIdentity(this.file);
    if (now === null) return { lines: this.total, restarted: false };
    let restarted = false;
    if (now.dev !== this.dev || now.ino !== this.ino || now.size < this.offset) {
      // Another file at the path (rotated by rename) or the same one truncated: count it from its start.
      restarted = this.ino !== null;
      this.dev = now.dev;
      this.ino = now.ino;
      this.offset = 0;
    }
    if (now.size > this.offset) {
      this.total += countNewlines(this.file, this.offset, now.size);
      this.offset = now.size;
    }
    return { lines: this.total, restarted };
  }
}
