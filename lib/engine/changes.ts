import "server-only";
import { appendRuntimeResult, type RuntimeResult } from "../audit/append";
import type { Db } from "../db";
import { DomainError } from "../errors";
import { log } from "../log";
import type { SecurityIntent } from "../security/intent";
import { PROTECTION_LABELS } from "../security/spec/labels";
import { rollbackIntent } from "../security/intent-rollback";
import { toggleProtection, updateProtection, type ChangeContext, type ChangeResult } from "../security/intent-store";
import type { ApplyOutcome } from "./applier";
import type { Engine } from "./engine";
import type { ApplyResult } from "./drivers";

// A click, end to end: validate → preflight the runtime → commit intent, mirror and audit in one
// transaction → drive the runtime to the latest intent → append what the runtime did as a result row
// linked to the change's audit row → if this change's own version failed and is still the latest,
// roll the intent back with a clear error.

/** The runtime refused the intent; the intent was rolled back. Carries the agent's last log lines. */
export class RuntimeFailedError extends DomainError {
  constructor(
    message: string,
    readonly logTail: string[] = [],
    readonly rolledBack: boolean,
  ) {
    super("RUNTIME_FAILED", message);
  }
}

export type ChangeKind = "toggle" | "update";

export async function changeAndApply(engine: Engine, db: Db, kind: ChangeKind, input: unknown, ctx: ChangeContext): Promise<SecurityIntent> {
  const write = kind === "toggle" ? toggleProtection : updateProtection;
  // The preflight of the protection being changed only (protections are independent), after
  // validation (in the store) and before anything is written.
  const committed: ChangeResult = await write(db, input, ctx, {
    preflight: (candidate, protection) => engine.drivers[protection].preflight?.(candidate),
  });
  const { protection } = committed;
  const version = committed.intent[protection].version;
  const applier = engine.appliers[protection];
  const change = { auditId: committed.auditId, protection, requestId: committed.requestId };
  let outcome: ApplyOutcome;
  try {
    outcome = await applier.request(version);
  } catch (error) {
    // The intent is committed; the runtime could not even be asked (e.g. the database went away).
    const reason = (error as Error).message;
    await appendRuntimeResult(db, change, { status: "failed", version, error: reason });
    log.error({ event: "apply_failed", protection, version, err: error }, "intent committed but the runtime could not be driven to it");
    throw new RuntimeFailedError(
      `${PROTECTION_LABELS[protection]}: the change was saved but not applied to the runtime (${reason}). It will be applied by the next reconcile (at boot or \`npm run cli -- reconcile\`).`,
      [],
      false,
    );
  }
  await appendRuntimeResult(db, change, runtimeResult(outcome));
  if (outcome.kind === "superseded" || outcome.result.status !== "failed") return outcome.intent;

  // This change's own version failed. Roll back only while it is still the latest (the guard is in
  // the UPDATE); the restored intent is the last one the runtime confirmed, else the one before.
  const result = outcome.result;
  const restoreFrom = applier.lastApplied?.intent ?? committed.before;
  const label = PROTECTION_LABELS[protection];
  // Drivers word their errors for the card ("CrowdSec cannot start: port … in use"): keep one subject.
  const reason = result.error.replace(new RegExp(`^${label} (cannot start|could not start|could not be started)[:.]?\\s*`, "i"), "");
  const message = `${label} could not be ${committed.intent[protection].enabled ? "started" : "changed"}: ${reason}`;
  const rolled = await rollbackIntent(db, {
    protection,
    failedVersion: version,
    restore: { enabled: restoreFrom.enabled, settings: restoreFrom.settings },
    error: message,
    requestId: committed.requestId,
  });
  if (!rolled) {
    // A newer version was committed meanwhile: the applier drives to it; this change just failed.
    throw new RuntimeFailedError(`${message}. A newer change was made meanwhile, so it was not rolled back.`, result.logTail, false);
  }
  // Put the runtime where the restored intent says (e.g. clean up after a half start).
  applier
    .request(rolled.intent[protection].version)
    .catch((error: unknown) => log.error({ event: "apply_failed", protection, err: error }, "could not drive the runtime to the rolled-back intent"));
  throw new RuntimeFailedError(`${message}. The change was rolled back.`, result.logTail, true);
}

/** What the change's runtime-result row records. */
export function runtimeResult(outcome: ApplyOutcome): RuntimeResult {
  const r: ApplyResult = outcome.result;
  const base: RuntimeResult =
    r.status === "applied"
      ? { status: "applied", version: r.version, ms: r.ms, summary: r.observation.summary }
      : r.status === "failed"
        ? { status: "failed", version: r.version, ms: r.ms, error: r.error }
        : { status: "not_managed", version: r.version, reason: r.reason };
  return outcome.kind === "superseded" ? { status: "superseded", by: outcome.by, latest: base } : base;
}
