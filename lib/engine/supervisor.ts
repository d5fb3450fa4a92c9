import "server-only";
import type { Db } from "../db";
import { log } from "../log";
import { readIntent } from "../security/intent-store";
import type { Applier } from "./applier";
import type { CrowdsecRuntimeSettings } from "./crowdsec/settings";
import type { ProtectionDriver, RuntimeEvent, RuntimeObservation } from "./drivers";
import type { SecurityIntent } from "../security/intent";
import { plural } from "../plural";

// Self-heal (ADR 006): when the agent dies while the intent says on,
// restart it with exponential backoff (WARDEN_SELF_HEAL_BACKOFF_MS, doubling), logging each attempt;
// after WARDEN_SELF_HEAL_MAX_ATTEMPTS failures in a row stop and say so on the card. With self-heal
// off (WARDEN_SELF_HEAL=false) a dead agent stays dead and the card shows it: that is drift, and an
// admin decides. A failed restart never rolls the intent back: only a change's own failure does.

/** An agent that stays up this long after a restart counts as healed: the attempt counter resets. */
const STABLE_AFTER_MS = 30_000;

export interface SelfHealState {
  enabled: boolean;
  attempts: number;
  gaveUp: boolean;
  lastExitAt: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
}

/** The process a supervisor keeps alive: its name in logs and on the card, and when the intent wants it running. */
export interface SupervisedRuntime {
  /** "agent", "edge": the subject of its log lines. */
  name: string;
  /** What an admin does after a give-up, e.g. "Turn CrowdSec off and on to try again." */
  retryHint: string;
  wanted(intent: SecurityIntent): boolean | Promise<boolean>;
}

/** The CrowdSec agent: wanted while CrowdSec is on in local mode. */
export const CROWDSEC_AGENT: SupervisedRuntime = {
  name: "agent",
  retryHint: "Turn CrowdSec off and on to try again.",
  wanted: (intent) => intent.crowdsec.enabled && intent.crowdsec.settings.mode === "local",
};

export class Supervisor {
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastRestartAt = 0;
  private closed = false;
  readonly state: SelfHealState;

  constructor(
    private readonly db: Db,
    private readonly driver: ProtectionDriver,
    private readonly applier: Applier,
    private readonly settings: Pick<CrowdsecRuntimeSettings, "selfHeal" | "selfHealMaxAttempts" | "selfHealBackoffMs">,
    private readonly subject: SupervisedRuntime = CROWDSEC_AGENT,
  ) {
    this.state = { enabled: settings.selfHeal, attempts: 0, gaveUp: false, lastExitAt: null, nextAttemptAt: null, lastError: null };
  }

  start(): void {
    if (this.unsubscribe || !this.driver.onEvent) return;
    this.unsubscribe = this.driver.onEvent((event) => this.onEvent(event));
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Adds what self-heal is doing to the card's observation (e.g. "gave up after 5 attempts"). */
  decorate(observation: RuntimeObservation): RuntimeObservation {
    const s = this.state;
    let selfHeal: string | null = null;
    if (s.gaveUp) selfHeal = `gave up after ${plural(s.attempts, "failed restart attempt")}${s.lastError ? `: ${s.lastError}` : ""}. ${this.subject.retryHint}`;
    else if (s.nextAttemptAt) selfHeal = `restarting (attempt ${s.attempts + 1} of ${this.settings.selfHealMaxAttempts})`;
    else if (!s.enabled && s.lastExitAt && observation.state !== "running") selfHeal = `off: the ${this.subject.name} stays stopped until someone acts`;
    if (!selfHeal) return observation;
    return { ...observation, details: { ...observation.details, selfHeal } };
  }

  private onEvent(event: RuntimeEvent): void {
    if (event.type === "started") {
      // A start by anyone (a click, the reconciler, a restart) ends a give-up.
      if (this.state.gaveUp)
        log.info(
          { event: "self_heal_reset", source: "lib/engine/supervisor", runtime: this.subject.name, pid: event.pid },
          `${this.subject.name} started again: self-heal re-armed`,
        );
      this.state.gaveUp = false;
      this.state.lastError = null;
      if (Date.now() - this.lastRestartAt > STABLE_AFTER_MS) this.state.attempts = 0;
      return;
    }
    if (event.type !== "exit" || event.expected || this.closed) return;
    this.state.lastExitAt = new Date().toISOString();
    if (Date.now() - this.lastRestartAt > STABLE_AFTER_MS) this.state.attempts = 0;
    void this.afterUnexpectedExit(event);
  }

  private async afterUnexpectedExit(event: Extract<RuntimeEvent, { type: "exit" }>): Promise<void> {
    let wanted: boolean;
    try {
      wanted = await this.subject.wanted(await readIntent(this.db));
    } catch (error) {
      log.error(
        { event: "self_heal_skipped", source: "lib/engine/supervisor", runtime: this.subject.name, pid: event.pid, reason: (error as Error).message },
        `${this.subject.name} exited; could not read the intent, so it was not restarted`,
      );
      return;
    }
    const fields = {
      source: "lib/engine/supervisor",
      runtime: this.subject.name,
      pid: event.pid,
      code: event.code,
      signal: event.signal,
      desired: wanted ? "running" : "stopped",
    };
    if (!wanted) {
      log.info({ event: "agent_exited", ...fields, action: "none" }, `${this.subject.name} exited while the intent is off: nothing to do`);
      return;
    }
    if (!this.settings.selfHeal) {
      log.warn(
        { event: "agent_exited", ...fields, action: "none", selfHeal: false },
        `${this.subject.name} exited while the intent is on; self-heal is off, so it stays stopped (drift)`,
      );
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const s = this.state;
    if (s.attempts >= this.settings.selfHealMaxAttempts) {
      s.gaveUp = true;
      s.nextAttemptAt = null;
      log.error(
        { event: "self_heal_gave_up", source: "lib/engine/supervisor", runtime: this.subject.name, attempts: s.attempts, lastError: s.lastError },
        `${this.subject.name} keeps failing: self-heal stopped retrying`,
      );
      return;
    }
    const delay = this.settings.selfHealBackoffMs * 2 ** s.attempts;
    s.nextAttemptAt = new Date(Date.now() + delay).toISOString();
    log.warn(
      {
        event: "self_heal_scheduled",
        source: "lib/engine/supervisor",
        runtime: this.subject.name,
        attempt: s.attempts + 1,
        maxAttempts: this.settings.selfHealMaxAttempts,
        delayMs: delay,
      },
      `${this.subject.name} exited while the intent is on: restarting it`,
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.attempt();
    }, delay);
    this.timer.unref?.();
  }

  private async attempt(): Promise<void> {
    const s = this.state;
    s.attempts += 1;
    s.nextAttemptAt = null;
    this.lastRestartAt = Date.now();
    let outcome;
    try {
      const intent = await readIntent(this.db);
      if (!(await this.subject.wanted(intent))) {
        log.info(
          { event: "self_heal_cancelled", source: "lib/engine/supervisor", runtime: this.subject.name, attempt: s.attempts },
          "intent changed before the restart: not restarting",
        );
        s.attempts = 0;
        return;
      }
      outcome = await this.applier.request(0);
    } catch (error) {
      // Not a runtime answer (the database could not be read): retry like a failed restart.
      s.lastError = (error as Error).message;
      log.warn(
        { event: "self_heal_failed", source: "lib/engine/supervisor", runtime: this.subject.name, attempt: s.attempts, reason: s.lastError },
        "self-heal could not run: retrying",
      );
      this.schedule();
      return;
    }
    const result = outcome.result;
    if (result.status === "applied") {
      log.info(
        {
          event: "self_heal_restarted",
          source: "lib/engine/supervisor",
          runtime: this.subject.name,
          attempt: s.attempts,
          ms: result.ms,
          pid: result.observation.pid,
        },
        `${this.subject.name} restarted by self-heal`,
      );
      return;
    }
    s.lastError = result.status === "failed" ? result.error : result.reason;
    log.warn(
      { event: "self_heal_failed", source: "lib/engine/supervisor", runtime: this.subject.name, attempt: s.attempts, reason: s.lastError },
      "self-heal restart failed",
    );
    this.schedule();
  }
}
