import "server-only";
import type { Db } from "../db";
import { log } from "../log";
import type { ProtectionIntent, SecurityIntent } from "../security/intent";
import type { ApplyResult, ProtectionDriver } from "./drivers";
import type { Protection } from "../security/spec/protections";
import { readIntent } from "../security/intent-store";

// One applier per protection (ADR 005): it drives the runtime to
// the *latest* committed intent. Requests that arrive while an apply runs are coalesced: when the
// apply ends, the loop reads the intent again and applies only the newest version, so 20 clicks in
// 2 s cost at most two applies and always end at the last click.

/** What became of the apply a caller waited for. */
export type ApplyOutcome =
  /** The runtime was driven to `result.version`, which is the requested version or a newer one. */
  | { kind: "done"; result: ApplyResult; intent: SecurityIntent }
  /** The requested version was overtaken before it was applied; the newer one's result is attached. */
  | { kind: "superseded"; by: number; result: ApplyResult; intent: SecurityIntent };

interface Waiter {
  /** The protection version the caller committed (0 = whatever is latest). */
  version: number;
  /** The global intent version the apply must include (a site commit moves only the global version). */
  minGlobal: number;
  resolve: (outcome: ApplyOutcome) => void;
  reject: (error: unknown) => void;
}

export class Applier {
  private waiters: Waiter[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private readonly abort = new AbortController();
  /** The tail of this protection's queue: applies and exclusive work run one at a time, in order. */
  private turn: Promise<void> = Promise.resolve();
  /** The last intent the runtime confirmed, for rollback (ADR 005: restore the last applied intent). */
  lastApplied: { version: number; intent: ProtectionIntent } | null = null;
  /** The protection version currently being applied, for the status ("Starting…"). */
  inFlight: number | null = null;
  /** When that apply began (epoch ms): drift calls the runtime settling until it ends or times out. */
  inFlightSince: number | null = null;

  constructor(
    readonly protection: Protection,
    readonly driver: ProtectionDriver,
    private readonly db: Db,
  ) {}

  /**
   * Asks the runtime to match the latest intent; resolves once a version ≥ `version` has been
   * applied (or failed), from an intent whose global version is ≥ `minGlobal`. Never rejects for a
   * runtime failure: that is a result.
   */
  request(version = 0, minGlobal = 0): Promise<ApplyOutcome> {
    const promise = new Promise<ApplyOutcome>((resolve, reject) => this.waiters.push({ version, minGlobal, resolve, reject }));
    this.again = true;
    this.running ??= this.loop().finally(() => {
      this.running = null;
      // A request that arrived after the last read but before `running` was cleared.
      if (this.waiters.length) void this.request(0);
    });
    return promise;
  }

  /**
   * Runs `fn` alone in this protection's queue: no apply of the loop (a toggle) interleaves with it,
   * and it waits for the one in progress. "Apply to runtime" drives every runtime driver this way.
   * With `version`, the status and drift see the runtime as being brought to that version meanwhile.
   */
  exclusive<T>(fn: () => Promise<T>, version?: number): Promise<T> {
    const run = this.turn.then(async () => {
      if (version !== undefined) {
        this.inFlight = version;
        this.inFlightSince = Date.now();
      }
      try {
        return await fn();
      } finally {
        this.inFlight = null;
        this.inFlightSince = null;
      }
    });
    this.turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The abort signal of this applier's work (closed on shutdown). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Stops waiting for new work (shutdown, tests). An apply in progress is told to abort. */
  close(): void {
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    while (this.again) {
      this.again = false;
      let intent: SecurityIntent;
      try {
        intent = await readIntent(this.db);
      } catch (error) {
        for (const w of this.waiters.splice(0)) w.reject(error);
        return;
      }
      const read = intent;
      const result: ApplyResult = await this.exclusive(async () => {
        const started = Date.now();
        try {
          // The driver may re-read the intent under its own lock (`latest`): what it applied is in the result.
          return await this.driver.apply(read, this.abort.signal, () => readIntent(this.db));
        } catch (error) {
          // A driver must report runtime failures as results; a throw is a bug, still shown as a failure.
          log.error(
            { event: "apply_threw", protection: this.protection, version: read[this.protection].version, err: error },
            "driver threw while applying intent",
          );
          return { status: "failed", version: read[this.protection].version, ms: Date.now() - started, error: (error as Error).message } satisfies ApplyResult;
        }
      }, read[this.protection].version);
      if (result.status !== "not_managed" && result.intent) intent = result.intent;
      const target = intent[this.protection];
      if (result.status === "applied") this.lastApplied = { version: target.version, intent: target };
      // A runtime that failed to reach the intent is a WARN, never an INFO.
      (result.status === "failed" ? log.warn.bind(log) : log.info.bind(log))(
        {
          event: "intent_applied",
          source: "lib/engine",
          protection: this.protection,
          version: target.version,
          result: result.status,
          ms: "ms" in result ? result.ms : undefined,
          error: result.status === "failed" ? result.error : undefined,
        },
        result.status === "failed" ? "runtime failed to reach the intent" : "runtime driven to the intent",
      );
      // Waiters for this version or older are answered; newer ones (committed during the apply) wait
      // for the next turn of the loop.
      const covers = (w: Waiter) => w.version <= target.version && w.minGlobal <= intent.version;
      const answered = this.waiters.filter(covers);
      this.waiters = this.waiters.filter((w) => !covers(w));
      for (const w of answered) {
        w.resolve(
          w.version === 0 || w.version === target.version ? { kind: "done", result, intent } : { kind: "superseded", by: target.version, result, intent },
        );
      }
      if (this.waiters.length) this.again = true;
    }
  }
}
