import "server-only";
import { appendRuntimeResult, type RuntimeResult } from "../../audit/append";
import type { Db } from "../../db";
import { RuntimeFailedError, runtimeResult } from "../../engine/changes";
import type { Engine } from "../../engine/engine";
import { EdgeNotInstalledError, missingEdgePackage } from "../../engine/edge/instance-dir";
import { log } from "../../log";
import type { ChangeContext } from "../../security/intent-store";
import { revertSiteChange } from "../../sites/site-revert";
import type { SiteCommit, SiteHooks } from "../../sites/site-store";

// A site change, end to end, as a protection's toggle is (lib/engine/changes.ts): refuse what the edge
// cannot serve before anything is written → commit (new global version, audit row) → drive the edge to
// the latest intent in the WAF's applier queue (the edge's only queue) → append what the edge did as a
// result row linked to the change → if the edge failed on this change and it is still the latest,
// undo it (one compensating commit) and put the edge back where the restored sites say.

export type SiteWrite = (db: Db, input: unknown, ctx: ChangeContext, hooks?: SiteHooks) => Promise<SiteCommit>;

export interface SiteChange extends SiteCommit {
  /** What the edge did with the change. */
  runtime: RuntimeResult;
}

/** Enabling a site needs the edge's packages. */
function preflight(engine: Engine): SiteHooks {
  return {
    preflight: (fields) => {
      if (!fields.enabled) return;
      const missing = missingEdgePackage(engine.edge.runtime.settings);
      if (missing) throw new EdgeNotInstalledError(missing);
    },
  };
}

export async function changeSiteAndApply(engine: Engine, db: Db, write: SiteWrite, input: unknown, ctx: ChangeContext): Promise<SiteChange> {
  const committed = await write(db, input, ctx, preflight(engine));
  const applier = engine.appliers.waf;
  const change = { auditId: committed.auditId, protection: null, requestId: committed.requestId };
  const outcome = await applier.request(0, committed.configVersion).catch(async (error: unknown) => {
    const reason = (error as Error).message;
    await appendRuntimeResult(db, change, { status: "failed", version: committed.configVersion, error: reason });
    log.error(
      { event: "apply_failed", source: "lib/actions/sites", version: committed.configVersion, err: error },
      "site committed but the edge could not be driven",
    );
    throw new RuntimeFailedError(
      `The site change was saved but not applied to the edge (${reason}). It will be applied by the next reconcile (at boot or \`npm run cli -- reconcile\`).`,
      [],
      false,
    );
  });
  const runtime = runtimeResult(outcome);
  await appendRuntimeResult(db, change, runtime);
  if (outcome.result.status !== "failed") return { ...committed, runtime };

  const message = `The edge could not apply the change: ${outcome.result.error}`;
  const reverted = await revertSiteChange(db, committed, message);
  if (!reverted) throw new RuntimeFailedError(`${message}. A newer change was made meanwhile, so it was not rolled back.`, outcome.result.logTail, false);
  applier
    .request(0, reverted.configVersion)
    .catch((error: unknown) =>
      log.error({ event: "apply_failed", source: "lib/actions/sites", err: error }, "could not drive the edge to the rolled-back sites"),
    );
  throw new RuntimeFailedError(`${message}. The change was rolled back.`, outcome.result.logTail, true);
}
