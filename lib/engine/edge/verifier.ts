import "server-only";
import { randomUUID } from "node:crypto";
import { appendAuditOrLog } from "../../audit/append";
import type { Db } from "../../db";
import { log } from "../../log";
import { readIntent } from "../../security/intent-store";
import type { Applier } from "../applier";
import type { EdgeDriver } from "./driver";
import type { SecurityIntent } from "../../security/intent";
import { verifyEdge, type VerifyRun } from "./verify-probes";
import { probeBan } from "../blocklist/ban-probe";
import type { DecisionLoop } from "../blocklist/decision-loop";
import type { CrowdsecRuntimeSettings } from "../crowdsec/settings";

// Runs Verify and keeps its latest result: on demand (the Verify button, `npm run cli -- verify`),
// after every apply that changed the edge, and every WARDEN_VERIFY_INTERVAL_MS on the leader. A run
// waits its turn in the WAF's applier queue, so it never probes an edge that is being reloaded by
// this process. Every run on demand or after an apply is audited; a scheduled run only when its
// verdict differs from the run before (a change an admin should see), so the log is not a metronome.

export type VerifyTrigger = "manual" | "cli" | "apply" | "schedule";

export interface VerifyRecord extends VerifyRun {
  trigger: VerifyTrigger;
  actor: string;
  /** Limited to these sites (ids), or every enabled site. */
  siteIds: string[] | null;
}

/** A run that probed nothing: the edge serves a generation rendered from an earlier intent. */
function behind(generation: number, intent: SecurityIntent): VerifyRun {
  const problem = `the edge serves generation ${generation}, rendered from an earlier intent (an apply is pending or failed): Verify again once it is applied`;
  const wanted = intent.waf.enabled || intent.rate_limit.enabled;
  return { at: new Date().toISOString(), ms: 0, generation, problem, sites: [], failures: wanted ? [`Not verified: ${problem}.`] : [] };
}

function verdictKey(run: VerifyRun): string {
  return JSON.stringify([run.problem !== null, run.failures, run.sites.map((s) => [s.siteId, s.waf.verdict, s.rate.verdict]), run.ban?.verdict ?? null]);
}

export class Verifier {
  private latestRun: VerifyRecord | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pendingAfterApply = false;

  constructor(
    private readonly db: Db,
    private readonly edge: EdgeDriver,
    private readonly applier: Applier,
    /** CrowdSec's ban check: the managed instance's settings and the decision loop (woken at once). */
    private readonly banCheck: { crowdsec: CrowdsecRuntimeSettings; loop: DecisionLoop } | null = null,
  ) {}

  /** The last run of this process (any trigger); null before the first. */
  get latest(): VerifyRecord | null {
    return this.latestRun;
  }

  /** Probes now (after any apply in the WAF's queue) and records the run. */
  run(trigger: VerifyTrigger, options: { actor?: string; siteIds?: string[] } = {}): Promise<VerifyRecord> {
    return this.applier.exclusive(async () => {
      const intent = await readIntent(this.db);
      const o = await this.edge.observe();
      const served = o.served && o.written && o.written.hash === o.served.hash ? o.written.intent : null;
      // Probes are judged against the intent: only when the edge serves the generation rendered from it
      // (an apply pending or failed would make a correct edge look wrong, or a wrong one right).
      // Compared as intents (what the generation was rendered from), not as file hashes, which also
      // carry this process's settings.
      const desired = await this.edge.render(intent);
      const stale = o.served && desired.ok && JSON.stringify(desired.intent) !== JSON.stringify(served);
      const run = stale ? behind(o.served!.generation, intent) : await verifyEdge(this.edge.runtime.settings, intent, served, options.siteIds);
      // The ban check needs a site to send through (any enabled one: the ban applies before routing).
      if (this.banCheck && !run.problem && run.sites.length > 0) {
        run.ban = await probeBan(this.edge.runtime.settings, this.banCheck.crowdsec, intent, run.sites[0]!.host, this.banCheck.loop);
        if (!run.ban.ok) run.failures.push(`CrowdSec ban check: ${run.ban.summary}.`);
      }
      const previous = this.latestRun;
      const record: VerifyRecord = { ...run, trigger, actor: options.actor ?? "system", siteIds: options.siteIds ?? null };
      this.latestRun = record;
      const changed = !previous || verdictKey(previous) !== verdictKey(run);
      if (trigger !== "schedule" || changed) await this.audit(record);
      const fields = {
        event: "verify_run",
        source: "lib/engine/edge",
        trigger,
        ms: run.ms,
        sites: run.sites.length,
        failures: run.failures,
        problem: run.problem,
      };
      if (run.failures.length) log.warn(fields, "verify: a protection is not enforced as the intent says");
      else log.info(fields, "verify: every enabled protection seen enforced");
      return record;
    });
  }

  /** After an apply that changed the edge: one run, once the queue is free (several applies → one run). */
  afterApply(): void {
    if (this.pendingAfterApply) return;
    this.pendingAfterApply = true;
    queueMicrotask(() => {
      this.pendingAfterApply = false;
      this.run("apply").catch((error: unknown) => log.error({ event: "verify_failed", source: "lib/engine/edge", err: error }, "verify after an apply failed"));
    });
  }

  /** Every `intervalMs` (0: never). */
  schedule(intervalMs: number): void {
    this.stop();
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.run("schedule").catch((error: unknown) => log.error({ event: "verify_failed", source: "lib/engine/edge", err: error }, "scheduled verify failed"));
    }, intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async audit(r: VerifyRecord): Promise<void> {
    await appendAuditOrLog(
      this.db,
      {
        actor: r.actor,
        action: "verify",
        protection: null,
        after: { trigger: r.trigger, generation: r.generation, problem: r.problem, sites: r.sites, ban: r.ban ?? null, siteIds: r.siteIds },
        outcome: r.failures.length ? "failed" : "applied",
        error: r.failures.length ? r.failures.join(" ") : null,
        requestId: randomUUID(),
        runtimeResult: { ms: r.ms },
      },
      "a verify run",
    );
  }
}
