import "server-only";
import { fileSize, lines, readFrom, tailOf, TAIL_LINES } from "../log-tail";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";

// Reading the edge's own logs: nginx's error log (notice level: reloads, worker starts, [emerg]
// failures) and the master's stdout/stderr (what nginx prints before its error log is open).

/** Where each log ends now: read what comes after with `since`. */
export function logOffsets(s: EdgeRuntimeSettings): { error: number; out: number } {
  const p = edgePaths(s);
  return { error: fileSize(p.errorLog), out: fileSize(p.out) };
}

/** The lines both logs gained since `offsets` (error log first), the last `n`. */
export function linesSince(s: EdgeRuntimeSettings, offsets: { error: number; out: number }, n = TAIL_LINES): string[] {
  const p = edgePaths(s);
  return [...lines(readFrom(p.errorLog, offsets.error)), ...lines(readFrom(p.out, offsets.out))].slice(-n);
}

/** The last lines of the error log, for a failure shown on the card. */
export function errorLogTail(s: EdgeRuntimeSettings, n = TAIL_LINES): string[] {
  return tailOf(edgePaths(s).errorLog, n);
}

const reasonOf = (line: string) => line.replace(/^.*?\[(emerg|alert)\]\s*(\d+#\d+:\s*)?/, "").trim();

/** nginx's reason from an [emerg] (or [alert]) line, without its timestamp and pid: null if none. */
export function emergReason(text: string): string | null {
  const last = lines(text)
    .filter((l) => /\[(emerg|alert)\]/.test(l))
    .at(-1);
  return last ? reasonOf(last) : null;
}

/**
 * The reason a reload failed, once it has: null while nginx may still succeed. A listening port that
 * is busy is not final: nginx tries to bind it 5 times, 500 ms apart ("bind() … failed" each time),
 * and gives up with "still could not bind()"; any other [emerg] ends the reload at once.
 */
export function reloadFailure(text: string): string | null {
  const found = lines(text).filter((l) => /\[(emerg|alert)\]/.test(l));
  if (found.length === 0) return null;
  const binds = found.filter((l) => /bind\(\) to .* failed/.test(l));
  if (found.some((l) => /still could not bind\(\)/.test(l))) return binds.length > 0 ? reasonOf(binds.at(-1)!) : "nginx could not bind its ports";
  const other = found.filter((l) => !/bind\(\) to .* failed/.test(l));
  return other.length > 0 ? reasonOf(other.at(-1)!) : null;
}

/**
 * When the configuration nginx serves was loaded, from the error log: the last "start worker
 * processes" (a start, or a reload that succeeded). nginx writes local time without a zone.
 */
export function lastLoadedAt(s: EdgeRuntimeSettings): Date | null {
  const file = edgePaths(s).errorLog;
  const text = readFrom(file, Math.max(0, fileSize(file) - 256 * 1024));
  const all = [...text.matchAll(/^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[notice\] \d+#\d+: start worker processes$/gm)];
  const m = all.at(-1);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, se);
}
