import type { RuntimeObservation } from "../drivers";
import type { BlocklistObserved } from "./blocklist-driver";

// The CrowdSec card's blocklist facts, from what was observed: the blocklist the edge serves (its
// control listener: generation and count), the LAPI sync it came from and when, "stale since … (why)"
// when the loop could not sync, and how many decisions the edge cannot enforce. Green is never
// implied: a stale blocklist or an edge that enforces nothing turns the card amber.

function reasonsSummary(reasons: Record<string, number>): string {
  const kinds = Object.keys(reasons).map((r) => /^a (\S+) decision/.exec(r)?.[1] ?? /^scope (\S+)/.exec(r)?.[1] ?? "invalid value");
  return [...new Set(kinds)].slice(0, 3).join(", ");
}

export function withBlocklist(observation: RuntimeObservation, o: BlocklistObserved): RuntimeObservation {
  const loop = o.loop;
  const details: Record<string, string | number | boolean | null> = { ...observation.details };
  const on = loop?.crowdsecEnabled ?? (observation.state === "running" || observation.state === "external");
  if (o.edgeMissing) {
    if (on) details.blocklist = "decisions not enforced: the edge is not installed";
    return { ...observation, details };
  }
  if (!on) {
    details.blocklist =
      o.served && o.served.count > 0 && o.running
        ? `the edge still serves ${o.served.count} bans although CrowdSec is off`
        : "the edge enforces no decisions (CrowdSec is off)";
    if (o.served && o.served.count > 0 && o.running) details.blocklistStale = details.blocklist;
    return { ...observation, details };
  }
  if (!o.running) details.blocklist = "decisions not enforced: the edge is not running";
  else if (o.served) details.blocklist = `edge blocklist: ${o.served.count} ${o.served.count === 1 ? "ban" : "bans"}, generation ${o.served.generation}`;
  else details.blocklist = `edge blocklist unknown: ${o.error ?? "the control listener did not answer"}`;
  if (loop?.syncedAt) details.blocklistSyncedAt = loop.syncedAt;
  if (loop?.stale) {
    details.blocklistStale = `blocklist stale since ${loop.stale.since} (${loop.stale.reason})`;
    details.blocklistStaleSince = loop.stale.since;
  }
  if (loop && loop.notEnforced > 0) details.notEnforced = `${loop.notEnforced} not enforced (${reasonsSummary(loop.notEnforcedReasons)})`;
  return { ...observation, details };
}

/** The last Verify run's ban check on the CrowdSec card: "verified enforcing: ban → 403 in 610 ms…", or what failed. */
export function withBanVerify(
  observation: RuntimeObservation,
  run: { at: string; ban?: { verdict: string; ok: boolean; summary: string } | null } | null,
): RuntimeObservation {
  const ban = run?.ban;
  if (!run || !ban || ban.verdict === "off") return observation;
  const verified = ban.ok ? "enforcing" : ban.verdict === "not_probed" ? "not verified" : "failed";
  return { ...observation, details: { ...observation.details, verified, verifiedAt: run.at, verifyFinding: ban.summary } };
}

/** CrowdSec's acquisition of the edge's logs on its card: how far behind the agent reads (it parses ~0.5–1k lines/s here). */
export function withAcquisition(
  observation: RuntimeObservation,
  lag:
    { ok: true; files: { tailed: boolean | null; path: string }[]; behindLines: number; ratePerSecond: number | null } | { ok: false; reason: string } | null,
): RuntimeObservation {
  if (!lag || observation.state !== "running") return observation;
  let text: string;
  if (!lag.ok) text = `edge log acquisition unknown: ${lag.reason}`;
  else if (lag.files.some((f) => f.tailed === false))
    text = `edge logs not read by the agent (${lag.files
      .filter((f) => f.tailed === false)
      .map((f) => f.path.split("/").pop())
      .join(", ")}): restart CrowdSec to pick them up`;
  else if (lag.behindLines === 0) text = "edge logs read up to date";
  else {
    const eta =
      lag.ratePerSecond && lag.ratePerSecond > 0 ? ` (~${Math.ceil(lag.behindLines / lag.ratePerSecond)} s at ${Math.round(lag.ratePerSecond)} lines/s)` : "";
    text = `edge logs: ${lag.behindLines.toLocaleString("en-US")} lines behind${eta}`;
  }
  return { ...observation, details: { ...observation.details, acquisition: text } };
}
