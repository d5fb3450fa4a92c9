import "server-only";
import { db } from "../db";
import { env } from "../env";
import { log } from "../log";
import { processSlot } from "../process-registry";
import { listSites } from "./site-read";
import { probeUpstream, type ProbeOutcome, type ProbeTarget } from "./upstream-probe";

// Each enabled site's upstream health: reachable (with the connect latency) or unreachable (with the
// reason), probed every WARDEN_UPSTREAM_PROBE_INTERVAL_MS. It is the site's health, not drift: the
// intent (this upstream) is what the edge serves; the upstream behind it is down. One prober per
// process, started by the first read (importing this module starts nothing); its timer never keeps
// the process alive. At most one probe per site is in flight; a site whose upstream changed is probed
// at its new address at once, and what was learnt about its old address is never shown for the new
// one; a removed or disabled site's result is dropped. It connects only to the configured host:port.

export const UPSTREAM_PROBE_TIMEOUT_MS = 3_000;

export type UpstreamState = "reachable" | "unreachable" | "unknown";

export interface UpstreamHealth {
  /** unknown: not probed yet at this address. */
  state: UpstreamState;
  /** The address the result is about (the site's upstream). */
  upstream: string;
  /** TCP connect (+ TLS handshake for https), in ms with one decimal; null unless reachable. */
  latencyMs: number | null;
  /** Why it is unreachable, in a few words ("connection refused"); null otherwise. */
  error: string | null;
  /** When the probe finished; null when not probed yet. */
  checkedAt: string | null;
}

/** What the prober needs of a site (a SiteRecord is one). */
export interface ProbedSite extends ProbeTarget {
  id: number;
  enabled: boolean;
}

export interface UpstreamProberOptions {
  intervalMs: number;
  timeoutMs?: number;
  /** The sites as stored, read at every interval. */
  loadSites: () => Promise<ProbedSite[]>;
  /** The probe (tests count or hold probes with their own). */
  probe?: (target: ProbeTarget, timeoutMs: number) => Promise<ProbeOutcome>;
  now?: () => Date;
}

const sameTarget = (a: ProbeTarget, b: ProbeTarget) => a.upstream === b.upstream && a.tlsVerify === b.tlsVerify;

export class UpstreamProber {
  /** Each enabled site's current target. */
  private readonly targets = new Map<number, ProbeTarget>();
  /** The last result per site, with the target it was measured at. */
  private readonly results = new Map<number, { target: ProbeTarget; health: UpstreamHealth }>();
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly timeoutMs: number;
  private readonly probe: NonNullable<UpstreamProberOptions["probe"]>;
  private readonly now: () => Date;

  constructor(private readonly options: UpstreamProberOptions) {
    this.timeoutMs = options.timeoutMs ?? UPSTREAM_PROBE_TIMEOUT_MS;
    this.probe = options.probe ?? probeUpstream;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The health of each enabled site of `sites` (the list the caller just read), keyed by site id.
   * Starts the prober on first use; a site new or changed since the last look is probed now.
   */
  health(sites: readonly ProbedSite[]): Record<number, UpstreamHealth> {
    this.start();
    this.sync(sites);
    const out: Record<number, UpstreamHealth> = {};
    for (const site of sites) {
      const target = this.targets.get(site.id);
      if (target) out[site.id] = this.current(site.id, target);
    }
    return out;
  }

  /** The probes in flight now (tests wait for them to settle). */
  get probing(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private current(id: number, target: ProbeTarget): UpstreamHealth {
    const last = this.results.get(id);
    if (last && sameTarget(last.target, target)) return last.health;
    return { state: "unknown", upstream: target.upstream, latencyMs: null, error: null, checkedAt: null };
  }

  /** Takes the sites as they are now: new and changed ones are probed, removed and disabled ones forgotten. */
  private sync(sites: readonly ProbedSite[]): void {
    const enabled = new Set<number>();
    for (const site of sites) {
      if (!site.enabled) continue;
      enabled.add(site.id);
      const target = { upstream: site.upstream, tlsVerify: site.tlsVerify };
      const before = this.targets.get(site.id);
      if (before && sameTarget(before, target)) continue;
      this.targets.set(site.id, target);
      this.probeSite(site.id);
    }
    for (const id of [...this.targets.keys()]) {
      if (enabled.has(id)) continue;
      this.targets.delete(id);
      this.results.delete(id);
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      this.sync(await this.options.loadSites());
      for (const id of this.targets.keys()) this.probeSite(id);
    } catch (error) {
      // The last results stay, with their age: the page says when each was checked.
      log.warn({ event: "upstream_probe_skipped", source: "lib/sites", err: (error as Error).message }, "upstream probes skipped: the sites could not be read");
    } finally {
      this.schedule();
    }
  }

  private probeSite(id: number): void {
    const target = this.targets.get(id);
    // One probe per site at a time: the one in flight re-probes on its return if the target changed.
    if (!target || this.inFlight.has(id)) return;
    this.inFlight.add(id);
    void this.probe(target, this.timeoutMs)
      .catch((error: unknown): ProbeOutcome => ({ ok: false, error: (error as Error).message }))
      .then((outcome) => {
        this.inFlight.delete(id);
        const now = this.targets.get(id);
        if (!now) return; // removed or disabled meanwhile
        if (!sameTarget(now, target)) return this.probeSite(id);
        this.record(id, target, outcome);
      });
  }

  private record(id: number, target: ProbeTarget, outcome: ProbeOutcome): void {
    const checkedAt = this.now().toISOString();
    const health: UpstreamHealth = outcome.ok
      ? { state: "reachable", upstream: target.upstream, latencyMs: outcome.latencyMs, error: null, checkedAt }
      : { state: "unreachable", upstream: target.upstream, latencyMs: null, error: outcome.error, checkedAt };
    const before = this.results.get(id);
    const was = before && sameTarget(before.target, target) ? before.health.state : "unknown";
    this.results.set(id, { target, health });
    if (health.state === was) return;
    const fields = { event: "upstream_health", source: "lib/sites", siteId: id, upstream: target.upstream, state: health.state };
    if (health.state === "unreachable") log.warn({ ...fields, reason: health.error }, `site ${id}: upstream ${target.upstream} unreachable: ${health.error}`);
    else if (was === "unreachable") log.info({ ...fields, latencyMs: health.latencyMs }, `site ${id}: upstream ${target.upstream} reachable again`);
  }
}

const proberSlot = processSlot<UpstreamProber>("sites.upstream-prober");

/** The process's prober (created, not started: the first `health` starts it). */
export function upstreamProber(): UpstreamProber {
  return proberSlot.getOrCreate(() => new UpstreamProber({ intervalMs: env().WARDEN_UPSTREAM_PROBE_INTERVAL_MS, loadSites: () => listSites(db()) }));
}

/** For tests: stop and forget the process's prober. */
export function resetUpstreamProber(): void {
  proberSlot.get()?.stop();
  proberSlot.clear();
}
