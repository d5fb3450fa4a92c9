import "server-only";
import { isDomainError } from "../../errors";
import type { SecurityIntent } from "../../security/intent";
import type { RuntimeDriver, RuntimeObservation } from "../drivers";
import { compareEdge, type EdgeDesired, type EdgeSurfaceCheck } from "./diff";
import { edgeNotInstalledSentence } from "./instance-dir";
import { edgeWanted, validateEdgeIntent, type EdgeIntent } from "./edge-intent";
import type { EdgeObservation } from "./observe";
import { renderSet } from "./rendered-set";
import { EdgeRuntime, type EdgeApplyReport } from "./runtime";
import { edgePaths } from "./settings";

// The edge as a runtime driver (render / observe / diff / apply, lib/engine/types.ts). The sites and
// rule exclusions come from the caller (the panel's store); the WAF and rate limit settings from the
// security intent. The edge answers for its own drift surface, "edge", which joins the drift surfaces when
// the driver is registered with the engine.

/** The sites and rule exclusions that go with a security intent (read from the panel's store). */
export type EdgeSitesSource = (intent: SecurityIntent) => Promise<Pick<EdgeIntent, "sites" | "exclusions">>;

/** The edge intent of a security intent and its sites (not yet validated). */
export function edgeIntentFrom(security: SecurityIntent, sites: Pick<EdgeIntent, "sites" | "exclusions">): EdgeIntent {
  return {
    sites: sites.sites,
    exclusions: sites.exclusions,
    waf: { enabled: security.waf.enabled, ...security.waf.settings },
    rateLimit: { enabled: security.rate_limit.enabled, ...security.rate_limit.settings },
  };
}

/** RuntimeDriver with the edge's own surface name (RuntimeSurface gains "edge" when it is registered). */
export type EdgeRuntimeDriver = Omit<RuntimeDriver<EdgeDesired, EdgeObservation, EdgeApplyReport>, "surface" | "diff"> & {
  readonly surface: "edge";
  diff(desired: EdgeDesired, observed: EdgeObservation, intent: SecurityIntent): EdgeSurfaceCheck;
};

export class EdgeDriver implements EdgeRuntimeDriver {
  readonly name = "Edge (nginx + ModSecurity + OWASP CRS)";
  readonly protection = "waf" as const;
  /** Site changes go through the WAF's applier; the rate limit's applies the edge too. */
  readonly appliedBy = ["waf", "rate_limit"] as const;
  readonly surface = "edge" as const;
  /** Called after an apply that started or reloaded the edge (the engine runs Verify then). */
  afterChange: (() => void) | null = null;
  /** The last Verify run (the engine's verifier): its failures on the generation served are drift. */
  lastVerify: (() => EdgeObservation["verify"]) | null = null;

  constructor(
    readonly runtime: EdgeRuntime,
    private readonly sites: EdgeSitesSource,
  ) {}

  /** A start or a reload may take this long before a difference is drift. */
  get settleMs(): number {
    return this.runtime.settings.readyTimeoutMs + this.runtime.settings.reloadTimeoutMs;
  }

  watchPaths(): string[] {
    const p = edgePaths(this.runtime.settings);
    return [p.dir, p.confD, p.modsec, p.state];
  }

  async render(intent: SecurityIntent): Promise<EdgeDesired> {
    try {
      const edge = validateEdgeIntent(edgeIntentFrom(intent, await this.sites(intent)));
      const set = renderSet(edge, this.runtime.settings, this.runtime.extensions);
      return { ok: true, intent: edge, wanted: edgeWanted(edge), hash: set.hash, sites: edge.sites.filter((s) => s.enabled).length };
    } catch (error) {
      if (isDomainError(error)) return { ok: false, reason: error.message };
      throw error;
    }
  }

  async observe(): Promise<EdgeObservation> {
    return { ...(await this.runtime.observe()), verify: this.lastVerify?.() ?? null };
  }

  diff(desired: EdgeDesired, observed: EdgeObservation, _intent?: SecurityIntent): EdgeSurfaceCheck {
    return compareEdge(desired, observed);
  }

  async apply(intent: SecurityIntent, signal: AbortSignal): Promise<EdgeApplyReport> {
    const report = await this.runtime.apply(edgeIntentFrom(intent, await this.sites(intent)), {
      signal,
      holder: `panel pid ${process.pid} applying v${intent.version}`,
    });
    if (report.action === "started" || report.action === "reloaded") this.afterChange?.();
    return report;
  }
}

/** The edge as the WAF card shows it: one state and one sentence, from what was observed. */
export function edgeCardObservation(o: EdgeObservation, protection: RuntimeObservation["protection"] = "waf"): RuntimeObservation {
  const base = { protection, observedAt: o.observedAt };
  if (!o.running && o.notInstalled) return { ...base, state: "not_installed", summary: edgeNotInstalledSentence(o.notInstalled) };
  if (!o.running) {
    if (o.orphans.length > 0) {
      return {
        ...base,
        state: "failed",
        summary: `The edge is not running: ${o.orphans.length} nginx workers were left without their master.`,
        logTail: o.logTail,
      };
    }
    return { ...base, state: "stopped", summary: "The edge is stopped." };
  }
  const details = {
    generation: o.served?.generation ?? null,
    hash: o.served?.hash ?? null,
    loadedAt: o.loadedAt,
    latencyMs: o.served?.latencyMs ?? null,
  };
  if (!o.served) {
    return {
      ...base,
      state: "failed",
      pid: o.pid ?? undefined,
      summary: `The edge's nginx (pid ${o.pid}) runs but its control listener does not answer: ${o.controlError}.`,
      details,
      logTail: o.logTail,
    };
  }
  return {
    ...base,
    state: "running",
    pid: o.pid ?? undefined,
    startedAt: o.startedAt ?? undefined,
    summary: `The edge is running (pid ${o.pid}) and serves generation ${o.served.generation}${o.loadedAt ? `, loaded at ${o.loadedAt}` : ""}.`,
    details,
  };
}
