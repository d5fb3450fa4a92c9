import "server-only";
import { closeSync, copyFileSync, openSync, readSync, statSync, truncateSync } from "node:fs";

// WAF events from the edge's JSON audit log (ModSecurity v3, SecAuditLogFormat JSON, Serial: one
// JSON object per line). Read incrementally: the reader keeps its byte offset and reads only what
// was appended since, at most maxReadBytes per poll, and keeps the last `keep` events. A line not
// yet complete stays for the next poll.
//
// Rotation is copy + truncate (libmodsecurity keeps its file open across reloads and USR1, so a
// rename would leave it writing to the renamed file): the reader notices the file shrank below its
// offset, reads what it had not yet read from the copy (<file>.1), then continues from 0.

export interface WafEvent {
  /** ISO time (the audit log's second-precision local time). */
  time: string;
  /** nginx's $request_id: the X-Request-Id the client got. */
  requestId: string;
  client: string;
  /** The Host header, lower-case, without a port. */
  host: string;
  method: string;
  /** The request target, truncated. */
  path: string;
  status: number;
  ruleIds: number[];
  messages: { ruleId: number; message: string }[];
  /** blocked: the WAF refused the request; detected: it matched rules and passed (detect mode, or below the threshold). */
  action: "blocked" | "detected";
}

export const MAX_PATH_LENGTH = 200;
const MAX_MESSAGE_LENGTH = 300;

/** The rules whose match refuses a request (CRS anomaly blocking, and the body-parsing denials). */
const BLOCKING_RULES = new Set([949110, 959100, 200002, 200003, 200004, 200005, 200007]);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Fri Dec  4 13:40:56 2026" (local time) → ISO; null when it is not that shape. */
function parseTime(text: unknown): string | null {
  if (typeof text !== "string") return null;
  const m = /^\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/.exec(text.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return null;
  return new Date(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).toISOString();
}

function header(headers: unknown, name: string): string {
  if (typeof headers !== "object" || headers === null) return "";
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && typeof v === "string") return v;
  return "";
}

/** One audit log line as a WAF event; null for an entry without rule matches or a line that is not an entry. */
export function parseAuditLine(line: string): WafEvent | null {
  let t: Record<string, unknown>;
  try {
    t = (JSON.parse(line) as { transaction?: Record<string, unknown> }).transaction ?? {};
  } catch {
    return null;
  }
  const request = (t.request ?? {}) as Record<string, unknown>;
  const response = (t.response ?? {}) as Record<string, unknown>;
  const producer = (t.producer ?? {}) as Record<string, unknown>;
  const messages: WafEvent["messages"] = [];
  for (const raw of Array.isArray(t.messages) ? t.messages : []) {
    const m = raw as { message?: unknown; details?: { ruleId?: unknown } };
    const id = Number(m.details?.ruleId);
    if (!Number.isInteger(id) || id <= 0) continue;
    messages.push({ ruleId: id, message: String(m.message ?? "").slice(0, MAX_MESSAGE_LENGTH) });
  }
  if (messages.length === 0) return null;
  const time = parseTime(t.time_stamp);
  const requestId = typeof t.unique_id === "string" ? t.unique_id : "";
  if (time === null || requestId === "") return null;
  const uri = typeof request.uri === "string" ? request.uri : "";
  const status = Number(response.http_code) || 0;
  const blocked = producer.secrules_engine === "Enabled" && messages.some((m) => BLOCKING_RULES.has(m.ruleId));
  return {
    time,
    requestId,
    client: typeof t.client_ip === "string" ? t.client_ip : "",
    host: header(request.headers, "host")
      .toLowerCase()
      .replace(/\.?(:\d+)?$/, ""),
    method: typeof request.method === "string" ? request.method.slice(0, 16) : "",
    path: uri.length > MAX_PATH_LENGTH ? `${uri.slice(0, MAX_PATH_LENGTH)}…` : uri,
    status,
    ruleIds: [...new Set(messages.map((m) => m.ruleId))],
    messages,
    action: blocked ? "blocked" : "detected",
  };
}

function size(file: string): number | null {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
}

function readRange(file: string, start: number, end: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(Math.max(0, end - start));
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export interface WafEventReaderOptions {
  /** Events kept in memory (the newest). */
  keep?: number;
  /** Bytes read per poll at most (a backlog is read over several polls). */
  maxReadBytes?: number;
  /** Rotate the file (copy + truncate) once the reader has read it to its end and it is larger than this. */
  rotateAtBytes?: number;
  /** Events not kept at all (Verify's own probes: they are not visitors' traffic). */
  ignore?: (event: WafEvent) => boolean;
}

export class WafEventReader {
  private offset = 0;
  private events: WafEvent[] = [];
  private readonly keep: number;
  private readonly maxReadBytes: number;
  private readonly rotateAtBytes: number | null;
  private readonly ignore: ((event: WafEvent) => boolean) | null;

  constructor(
    readonly file: string,
    options: WafEventReaderOptions = {},
  ) {
    this.keep = options.keep ?? 1_000;
    this.maxReadBytes = options.maxReadBytes ?? 4 * 1024 * 1024;
    this.rotateAtBytes = options.rotateAtBytes ?? null;
    this.ignore = options.ignore ?? null;
  }

  /** Where the next poll starts (bytes into the live file). */
  get position(): number {
    return this.offset;
  }

  /** Starts reading at the end of the file (events already there are not reported). */
  skipToEnd(): void {
    this.offset = size(this.file) ?? 0;
  }

  /**
   * Starts reading at the first line that begins within the last `bytes` of the file, so a reader
   * created beside a large log reads its most recent entries, not the whole file.
   */
  skipToTail(bytes: number): void {
    const now = size(this.file);
    if (now === null || now <= bytes) {
      this.offset = 0;
      return;
    }
    // From the byte before the window: a line starting exactly at the window's edge is kept. The
    // line cut by the edge is skipped, read in small steps (it is one audit entry, a few KB).
    const from = now - bytes - 1;
    const step = 16 * 1024;
    for (let at = from; at < now && at < from + this.maxReadBytes; at += step) {
      const newline = readRange(this.file, at, Math.min(now, at + step)).indexOf(0x0a);
      if (newline >= 0) {
        this.offset = at + newline + 1;
        return;
      }
    }
    this.offset = now; // no line starts in the window: only what is appended from now on
  }

  /** Reads what was appended since the last poll; returns the new events, oldest first. */
  poll(): WafEvent[] {
    const found: WafEvent[] = [];
    const now = size(this.file);
    if (now === null) return found;
    if (now < this.offset) {
      // Rotated (copied, then truncated): finish the copy from where we were, then start over.
      const rotated = `${this.file}.1`;
      const copied = size(rotated);
      if (copied !== null && copied > this.offset) found.push(...this.parse(readRange(rotated, this.offset, copied)));
      this.offset = 0;
    }
    const end = Math.min(now, this.offset + this.maxReadBytes);
    if (end > this.offset) {
      const chunk = readRange(this.file, this.offset, end);
      const lastNewline = chunk.lastIndexOf(0x0a);
      if (lastNewline >= 0) {
        found.push(...this.parse(chunk.subarray(0, lastNewline + 1)));
        this.offset += lastNewline + 1;
      } else if (chunk.length >= this.maxReadBytes) {
        this.offset += chunk.length; // one line longer than a whole read is not an audit entry: skipped
      } // else: an incomplete last line waits for the next poll
    }
    if (found.length > 0) this.events = [...this.events, ...found].slice(-this.keep);
    // Rotated only once read to its end: the offset stays, so the next poll sees the file shrink and
    // reads from the copy whatever was appended between this read and the copy.
    if (this.rotateAtBytes !== null && this.offset === now && now > this.rotateAtBytes) rotateAuditLog(this.file, this.rotateAtBytes);
    return found;
  }

  private parse(buf: Buffer): WafEvent[] {
    const out: WafEvent[] = [];
    for (const line of buf.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      const event = parseAuditLine(line);
      if (event && !this.ignore?.(event)) out.push(event);
    }
    return out;
  }

  /** The events kept, newest last. */
  recent(): WafEvent[] {
    return [...this.events];
  }
}

/**
 * Rotates the audit log in place when it is larger than maxBytes: copy to <file>.1 (replacing the
 * previous copy), then truncate. ModSecurity writes with O_APPEND, so it continues at offset 0.
 */
export function rotateAuditLog(file: string, maxBytes: number): boolean {
  const now = size(file);
  if (now === null || now <= maxBytes) return false;
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
  return true;
}
