import "server-only";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";
import { parseAuditLine, type WafEvent } from "./waf-events";

// A probe's entry in the edge's JSON audit log, by its request id: the rule ids the WAF matched.
// ModSecurity writes the entry in its logging phase, after the answer: wait for it briefly. Only the
// log's last 2 MB are read.

const TAIL_BYTES = 2 * 1024 * 1024;

function tail(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    const size = statSync(file).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

export async function findAuditEntry(s: EdgeRuntimeSettings, requestId: string, waitMs: number): Promise<WafEvent | null> {
  const needle = `"unique_id":"${requestId}"`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const line = tail(edgePaths(s).auditLog)
      .split("\n")
      .find((l) => l.includes(needle));
    if (line) return parseAuditLine(line);
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}
