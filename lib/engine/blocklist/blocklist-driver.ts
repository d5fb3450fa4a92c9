import "server-only";
import type { SurfaceCheck } from "../../drift/drift-report";
import type { SecurityIntent } from "../../security/intent";
import type { RuntimeDriver } from "../drivers";
import type { CrowdsecRuntimeSettings } from "../crowdsec/settings";
import { missingEdgePackage } from "../edge/instance-dir";
import { findMaster } from "../edge/process";
import { edgePaths, type EdgeRuntimeSettings } from "../edge/settings";
import { blocklistOnDisk, probeBlocklist, type BlocklistServed } from "./blocklist-runtime";
import type { BlocklistState, DecisionLoop } from "./decision-loop";
import { classifyDecisions } from "./decision-set";
import { LapiClient } from "./lapi-client";
import { lapiAccess } from "./lapi-credentials";
import { renderBlocklist } from "./render-blocklist";

// The blocklist as a drift surface: LAPI's active set (read now, with Warden's bouncer key) against
// the blocklist the edge serves (its control listener; the files on disk while the edge is stopped).
// Judged by reading both, never by trusting the decision loop; the loop's "stale since" is reported
// beside. A ban accepted a moment ago is given the loop's ~1 s before it counts as a difference.

export interface BlocklistDesired {
  enabled: boolean;
  /** LAPI's active set, rendered: what the edge should serve. null when LAPI could not be read. */
  want: { hash: string; count: number; notEnforced: number } | null;
  lapiError: string | null;
}

export interface BlocklistObserved {
  edgeMissing: string | null;
  running: boolean;
  served: BlocklistServed | null;
  error: string | null;
  loop: BlocklistState | null;
}

const SETTLE_MS = 2_500;
/** A loop stale for less than this is a hiccup being retried (LAPI restarting), not yet drift. */
export const STALE_GRACE_MS = 5_000;

export const BLOCKLIST_UNOBSERVED: BlocklistObserved = { edgeMissing: null, running: false, served: null, error: "could not be observed", loop: null };

export class BlocklistDriver implements RuntimeDriver<BlocklistDesired, BlocklistObserved, BlocklistState> {
  readonly name = "Edge blocklist (CrowdSec decisions)";
  readonly protection = "crowdsec" as const;
  readonly surface = "blocklist" as const;
  /** While CrowdSec is being started or stopped (its LAPI not answering yet), and the loop's first sync after it. */
  get settleMs(): number {
    return this.crowdsec.readyTimeoutMs + SETTLE_MS;
  }

  constructor(
    private readonly edge: EdgeRuntimeSettings,
    private readonly crowdsec: CrowdsecRuntimeSettings,
    readonly loop: DecisionLoop,
    /** The leader's persisted state (a follower's loop does not run). */
    private readonly persistedState: () => Promise<BlocklistState | null>,
  ) {}

  watchPaths(): string[] {
    return [edgePaths(this.edge).confD];
  }

  async render(intent: SecurityIntent): Promise<BlocklistDesired> {
    if (!intent.crowdsec.enabled) return { enabled: false, want: { ...renderBlocklist([]), notEnforced: 0 }, lapiError: null };
    try {
      const access = await lapiAccess(intent, this.crowdsec);
      const set = classifyDecisions(await new LapiClient(access).active());
      const r = renderBlocklist(set.entries);
      return { enabled: true, want: { hash: r.hash, count: r.count, notEnforced: set.notEnforced }, lapiError: null };
    } catch (error) {
      return { enabled: true, want: null, lapiError: (error as Error).message };
    }
  }

  async observe(): Promise<BlocklistObserved> {
    // This process's loop when it runs (or has run): fresher than the leader's persisted copy.
    const mine = this.loop.status();
    const loop = this.loop.isRunning || mine.written !== null || mine.stale !== null ? mine : await this.persistedState().catch(() => null);
    const edgeMissing = missingEdgePackage(this.edge);
    if (edgeMissing) return { edgeMissing, running: false, served: null, error: null, loop };
    if (!findMaster(this.edge)) return { edgeMissing: null, running: false, served: blocklistOnDisk(this.edge), error: null, loop };
    const probe = await probeBlocklist(this.edge);
    return probe.ok
      ? { edgeMissing: null, running: true, served: { generation: probe.generation, count: probe.count, hash: probe.hash }, error: null, loop }
      : { edgeMissing: null, running: true, served: null, error: probe.error, loop };
  }

  diff(desired: BlocklistDesired, o: BlocklistObserved): SurfaceCheck {
    const surface = "blocklist" as const;
    const expected = desired.want ? { count: desired.want.count, notEnforced: desired.want.notEnforced } : null;
    const actual = o.served ? { generation: o.served.generation, count: o.served.count, where: o.running ? "served" : "on disk (edge stopped)" } : null;
    if (o.edgeMissing) return { surface, verdict: "in_sync", differences: [], expected, actual: { edge: "not installed" }, reason: null };
    const differences: SurfaceCheck["differences"] = [];
    if (o.loop?.stale && Date.now() - Date.parse(o.loop.stale.since) >= STALE_GRACE_MS)
      differences.push({ item: "blocklist", expected: "synced with LAPI", actual: `stale since ${o.loop.stale.since} (${o.loop.stale.reason})` });
    if (!desired.want) {
      if (differences.length === 0)
        return {
          surface,
          verdict: "cannot_verify",
          differences: [],
          expected: null,
          actual,
          reason: `LAPI's active decisions could not be read: ${desired.lapiError}`,
        };
    } else if (o.error) {
      return {
        surface,
        verdict: "cannot_verify",
        differences: [],
        expected,
        actual: null,
        reason: `the edge's control listener did not say which blocklist it serves: ${o.error}`,
      };
    } else if (!o.running && !o.served) {
      // The edge is stopped and has never had a blocklist written: it starts with an empty one, and the
      // loop writes the current set as soon as it syncs. Nothing is served, nothing differs.
    } else if (!o.served || o.served.hash !== desired.want.hash) {
      const what = desired.enabled ? `${desired.want.count} active bans from LAPI` : "no bans (CrowdSec is off)";
      const has = o.served ? `${o.served.count} ${o.served.count === 1 ? "entry" : "entries"} (generation ${o.served.generation})` : "no blocklist";
      differences.push({ item: o.running ? "blocklist served" : "blocklist on disk", expected: what, actual: has });
    }
    return { surface, verdict: differences.length > 0 ? "drift" : "in_sync", differences, expected, actual, reason: null };
  }

  /** Apply to runtime: one forced sync of the loop (the full set from LAPI, one reload). */
  async apply(intent: SecurityIntent): Promise<BlocklistState> {
    await this.loop.step(true, intent);
    const state = this.loop.status();
    if (state.stale) throw new Error(`The blocklist could not be brought up to date: ${state.stale.reason}`);
    return state;
  }
}
