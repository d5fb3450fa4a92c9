import type { RuntimeObservation, RuntimeState } from "@/lib/engine/drivers";
import type { BadgeTone } from "../ui/badge";

// Pure helpers for the runtime row: what an admin reads about the observed runtime, in words.

/** A toggle of this card is in flight: the direction the runtime was asked to move. */
export type RuntimeTransition = "starting" | "stopping";

const STATE_BADGE: Record<RuntimeState, { word: string; tone: BadgeTone }> = {
  running: { word: "Running", tone: "green" },
  stopped: { word: "Stopped", tone: "grey" },
  starting: { word: "Starting…", tone: "blue" },
  stopping: { word: "Stopping…", tone: "blue" },
  failed: { word: "Failed", tone: "red" },
  external: { word: "External", tone: "blue" },
  not_installed: { word: "Not installed", tone: "amber" },
  rendered: { word: "File only", tone: "grey" },
  unmanaged: { word: "Not managed", tone: "grey" },
};

// States of a runtime the panel drives itself: only these can be "Starting…" because of a click.
// An unmanaged, missing or external runtime is not started by a toggle, so the row keeps saying what
// was observed rather than promise a start that will not happen.
const DRIVEN_STATES: ReadonlySet<RuntimeState> = new Set(["running", "stopped", "starting", "stopping", "failed"]);

const TRANSITION_TARGET: Record<RuntimeTransition, RuntimeState> = { starting: "running", stopping: "stopped" };

export interface RuntimeBadge {
  word: string;
  tone: BadgeTone;
  /** When the badge is not the observed state itself (reconciling, a toggle in flight): the observed one. */
  observed?: string;
}

export function runtimeBadge(runtime: Pick<RuntimeObservation, "state" | "reconciling" | "details">, transition: RuntimeTransition | null): RuntimeBadge {
  const observed = STATE_BADGE[runtime.state];
  if (runtime.reconciling) return { word: "Reconciling…", tone: "amber", observed: observed.word };
  // Once the observation itself says starting, or already shows where the click leads (the action
  // is only settling), the observed state is the better word.
  if (transition && DRIVEN_STATES.has(runtime.state) && runtime.state !== transition && runtime.state !== TRANSITION_TARGET[transition]) {
    return { ...STATE_BADGE[transition], observed: observed.word };
  }
  const lapi = runtime.details?.lapi;
  // The process can be up while its API is not: say so in the colour as well as in the facts.
  if (runtime.state === "external" && lapi === "unreachable") return { ...observed, tone: "red" };
  if (runtime.state === "running" && lapi === "not answering") return { ...observed, tone: "amber" };
  // The last Verify saw the protection not enforced (or could not probe it): amber, whatever runs.
  if (runtime.details?.verified === "failed" || runtime.details?.verified === "not verified") return { ...observed, tone: "amber" };
  // The edge's blocklist is behind LAPI (or still bans with CrowdSec off): what runs is not what the card would imply.
  if (runtime.details?.blocklistStale) return { ...observed, tone: "amber" };
  // The edge runs, but the WAF the admin switched on is not what it serves: never green.
  if (runtime.state === "running" && runtime.details?.enforcement === "not enforcing") return { word: "Not enforcing", tone: "amber", observed: observed.word };
  return observed;
}

/** "45s", "3m", "2h 5m", "3d 4h": how long a process has been up, compact enough for one line. */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

export type RuntimeFact = { kind: "pid"; pid: number } | { kind: "uptime"; startedAt: string; text: string } | { kind: "text"; text: string; title?: string };

const HAS_PROCESS: ReadonlySet<RuntimeState> = new Set(["running", "starting", "stopping"]);

/**
 * The observed facts, in a fixed order ("pid 1234 · up 3m · LAPI ready · v1.4.6"). `now` is the
 * page clock; before hydration it is null and the uptime is the one at observation time, so the
 * server and the browser render the same text.
 */
export function runtimeFacts(runtime: RuntimeObservation, now: number | null): RuntimeFact[] {
  const facts: RuntimeFact[] = [];
  const details = runtime.details ?? {};
  const text = (value: string, title?: string) => facts.push(title ? { kind: "text", text: value, title } : { kind: "text", text: value });
  const str = (key: string) => {
    const value = details[key];
    return value === undefined || value === null || value === "" ? null : String(value);
  };

  if (runtime.pid !== undefined && HAS_PROCESS.has(runtime.state)) facts.push({ kind: "pid", pid: runtime.pid });
  if (runtime.startedAt && runtime.state === "running") {
    const at = Date.parse(runtime.startedAt);
    const reference = now ?? Date.parse(runtime.observedAt);
    if (Number.isFinite(at) && Number.isFinite(reference))
      facts.push({ kind: "uptime", startedAt: runtime.startedAt, text: `up ${formatUptime(reference - at)}` });
  }
  const lapi = str("lapi");
  if (lapi) text(`LAPI ${lapi}`);
  const latency = details.latencyMs;
  if (typeof latency === "number" && Number.isFinite(latency)) text(`${Math.round(latency)} ms`);
  // The URL matters when the LAPI is someone else's; a local agent's is always the loopback one.
  const lapiUrl = str("lapiUrl");
  if (lapiUrl && runtime.state === "external") text(lapiUrl);
  const version = str("version");
  if (version) {
    // Distribution builds say "1.4.6-6~deb12u1+b1-debian": the release is what an admin compares;
    // the full string stays on hover.
    const release = /^v?(\d+\.\d+(?:\.\d+)?)/i.exec(version)?.[1];
    text(release ? `v${release}` : version, release && `v${release}` !== version && release !== version ? version : undefined);
  }
  const enforcement = str("enforcement");
  if (enforcement && runtime.state === "running") text(enforcement);
  const generation = str("generation");
  if (generation && runtime.state === "running") text(`generation ${generation}`, str("loadedAt") ? `loaded at ${str("loadedAt")}` : undefined);
  const verified = str("verified");
  const verifiedAt = str("verifiedAt");
  if (verified && verifiedAt) {
    const reference = now ?? Date.parse(runtime.observedAt);
    const ago = Number.isFinite(reference) ? ` ${formatUptime(reference - Date.parse(verifiedAt))} ago` : "";
    const finding = str("verifyFinding");
    text(
      verified === "failed" ? `verify failed${ago}: ${finding ?? "see the audit log"}` : `verified ${verified}${ago}${finding ? `: ${finding}` : ""}`,
      verifiedAt,
    );
  }
  const blocklist = str("blocklist");
  if (blocklist) text(blocklist);
  const syncedAt = str("blocklistSyncedAt");
  if (syncedAt) {
    const reference = now ?? Date.parse(runtime.observedAt);
    text(`LAPI synced ${Number.isFinite(reference) ? `${formatUptime(reference - Date.parse(syncedAt))} ago` : syncedAt}`, syncedAt);
  }
  const stale = str("blocklistStale");
  if (stale) text(stale);
  const notEnforced = str("notEnforced");
  if (notEnforced) text(notEnforced);
  const acquisition = str("acquisition");
  if (acquisition) text(acquisition);
  const selfHeal = str("selfHeal");
  if (selfHeal) text(`self-heal ${selfHeal}`);
  const stopHow = str("stopHow");
  if (stopHow && runtime.state === "stopped") text(`stopped with ${stopHow.toUpperCase()}`);
  return facts;
}
