import "server-only";
import { log } from "../../log";
import { singleton } from "../../process-registry";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";
import { PROBE_PATH } from "./render-nginx";
import { WafEventReader, type WafEvent } from "./waf-events";

// The panel's feed of WAF events: one reader of the edge's JSON audit log per process (per log file),
// polled when someone reads it, so the log is read only while an admin looks and only what was
// appended since. The reader rotates the log (copy + truncate) once it has read it past the size limit.

/** Events kept in memory (the newest): what the Events page can show and filter. */
export const WAF_EVENTS_KEPT = 500;

/**
 * A feed created beside an existing log starts this far from its end: the newest entries (about a
 * thousand at ~3.8 KB each, more than are kept), never a parse of a whole 64 MB file on a request.
 */
const TAIL_BYTES = 4 * 1024 * 1024;

interface Feed {
  reader: WafEventReader;
  /** The last read's failure, worded for the admin; null once a read succeeds again. */
  lastError: string | null;
}

const feeds = singleton("edge.waf-event-feeds", () => new Map<string, Feed>());

export interface WafEventSnapshot {
  /** The events kept, newest first. */
  events: WafEvent[];
  auditLog: string;
  /** Why the last read failed (the events are those read before it), or null. */
  readError: string | null;
}

function feedFor(s: EdgeRuntimeSettings): Feed {
  const file = edgePaths(s).auditLog;
  let feed = feeds.get(file);
  if (!feed) {
    // Verify's probes (from 127.0.0.3 to the probe location) are the panel's own requests, not events.
    const ignore = (e: WafEvent) => e.path === PROBE_PATH || e.path.startsWith(`${PROBE_PATH}?`);
    const reader = new WafEventReader(file, { keep: WAF_EVENTS_KEPT, rotateAtBytes: s.auditLogMaxBytes, ignore });
    feed = { reader, lastError: null };
    feeds.set(file, feed);
    try {
      reader.skipToTail(TAIL_BYTES);
    } catch {
      // Unreadable now (its poll says why): read from the start once it can be read.
    }
  }
  return feed;
}

/** Reads what the edge appended since the last read, then the events kept. */
export function readWafEvents(s: EdgeRuntimeSettings): WafEventSnapshot {
  const feed = feedFor(s);
  const file = feed.reader.file;
  try {
    feed.reader.poll();
    if (feed.lastError !== null) log.info({ event: "edge.waf_events.read_recovered", file }, "the edge's audit log is readable again");
    feed.lastError = null;
  } catch (error) {
    const message = `Could not read the edge's audit log ${file}: ${(error as Error).message}`;
    // Once per distinct failure, not once per poll of every open Events page.
    if (message !== feed.lastError) log.warn({ event: "edge.waf_events.read_failed", file, err: error }, message);
    feed.lastError = message;
  }
  return { events: feed.reader.recent().reverse(), auditLog: file, readError: feed.lastError };
}
