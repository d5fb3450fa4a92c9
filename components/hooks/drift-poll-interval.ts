// How often the browser asks GET /api/security/drift. The request only reads the detector's cached
// snapshot (never a recomputation); the detector itself reacts to events — a file in the runtime's
// scenario directory or the tuning file's, an engine exit, an intent commit — within about a
// second, and re-checks everything on its own 60 s ticker. So the browser's cadence only decides
// how soon an open page shows what the server already knows.

/**
 * Normal cadence: 10 s. Cheap for the server with N admin tabs open
 * (N requests per 10 s, each an in-memory read), and soon enough for a change made elsewhere (a
 * hand edit on disk, another admin); a change made on this page does not wait for it (below).
 */
export const DRIFT_POLL_INTERVAL_MS = 10_000;

/**
 * Right after a change on this page (a toggle, a scenario switch, Apply) or while one is in flight:
 * the detector re-checks on the commit ~0.1–1 s later, so the banner and dots should follow within
 * a second or two rather than up to 10 s. Only the tab that made the change polls this fast, and
 * only for DRIFT_SETTLE_WINDOW_MS.
 */
export const DRIFT_SETTLE_POLL_INTERVAL_MS = 1_000;
export const DRIFT_SETTLE_WINDOW_MS = 5_000;

export function driftPollInterval(changeInFlight: boolean, now: number, settleUntil: number): number {
  return changeInFlight || now < settleUntil ? DRIFT_SETTLE_POLL_INTERVAL_MS : DRIFT_POLL_INTERVAL_MS;
}
