import "server-only";
import { appendAudit } from "../audit/append";
import type { Db, Tx } from "../db";
import { log } from "../log";
import { bumpGlobalVersion } from "../security/config-sql";
import { announceCommit } from "../security/intent-events";
import { GLOBAL_VERSION_KEY } from "../security/mirror";
import { writeMirror } from "../security/mirror-write";
import { readSite, type SiteRecord } from "./site-read";
import { auditView, siteColumns, type SiteCommit } from "./site-store";

// Undoing a site change the edge could not apply (a failed apply rolls back, as a protection's does):
// one compensating commit (a new global version, one `site_rollback` audit row carrying the error) that
// puts the sites back as they were before the change. Only while the change is still the latest commit:
// the guard is the version bump itself, the transaction's first statement. A newer commit wins; the
// applier drives the runtime to it instead.

const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

class Superseded extends Error {}

export interface SiteRevert {
  configVersion: number;
  auditId: number;
}

/** Undoes `change` if it is still the latest commit; null when a newer one was made meanwhile. */
export async function revertSiteChange(db: Db, change: SiteCommit, error: string): Promise<SiteRevert | null> {
  try {
    const outcome = await db.$transaction(async (tx) => {
      const now = new Date();
      const row = await bumpGlobalVersion(tx, now);
      if (!row || Number(row.version) !== change.configVersion + 1) throw new Superseded();
      const failed = change.site ?? change.before;
      await undo(tx, change, now);
      const restored = change.before ? await readSite(tx, change.before.id) : null;
      await writeMirror(tx, [{ key: GLOBAL_VERSION_KEY, value: String(row.version), type: "number" }], now);
      const auditId = await appendAudit(tx, {
        at: now,
        actor: "system",
        action: "site_rollback",
        protection: null,
        before: { undoes: change.action, changeId: change.auditId, site: change.site ? auditView(change.site) : null },
        after: restored ? auditView(restored) : null,
        outcome: "rolled_back",
        error,
        requestId: change.requestId,
        configVersion: Number(row.version),
      });
      log.warn(
        { event: "site_rolled_back", source: "lib/sites", undoes: change.action, site: failed?.hosts[0] ?? null, version: Number(row.version), error },
        "site change rolled back: the edge could not apply it",
      );
      return { configVersion: Number(row.version), auditId };
    }, TX_OPTIONS);
    announceCommit({ kind: "site", version: outcome.configVersion });
    return outcome;
  } catch (e) {
    if (e instanceof Superseded) return null;
    throw e;
  }
}

async function undo(tx: Tx, change: SiteCommit, now: Date): Promise<void> {
  const before = change.before;
  switch (change.action) {
    case "site_add":
      if (change.site) await tx.site.delete({ where: { id: change.site.id } });
      return;
    case "site_update":
      if (before) await restoreSite(tx, before, now);
      return;
    case "site_remove":
      if (before) await recreateSite(tx, before);
      return;
    case "waf_exclusion_add":
      if (before && change.ruleId !== undefined) {
        await tx.wafExclusion.deleteMany({ where: { siteId: before.id, ruleId: change.ruleId } });
        await tx.site.update({ where: { id: before.id }, data: { version: { increment: 1 }, changedBy: "system", changedAt: now } });
      }
      return;
    case "waf_exclusion_remove": {
      const removed = before?.exclusions.find((e) => e.ruleId === change.ruleId);
      if (before && removed) {
        await tx.wafExclusion.create({ data: { siteId: before.id, ...exclusionColumns(removed) } });
        await tx.site.update({ where: { id: before.id }, data: { version: { increment: 1 }, changedBy: "system", changedAt: now } });
      }
      return;
    }
  }
}

/** The site's settings and host names as they were; its version moves on (an open form sees a conflict). */
async function restoreSite(tx: Tx, before: SiteRecord, now: Date): Promise<void> {
  const columns = siteColumns({ ...before, upstream: { url: before.upstream } });
  await tx.site.update({ where: { id: before.id }, data: { ...columns, version: { increment: 1 }, changedBy: "system", changedAt: now } });
  await tx.siteHost.deleteMany({ where: { siteId: before.id } });
  await tx.siteHost.createMany({ data: before.hosts.map((host) => ({ host, siteId: before.id })) });
}

/** A removed site again, under its own id, with its host names and rule exclusions. */
async function recreateSite(tx: Tx, before: SiteRecord): Promise<void> {
  const columns = siteColumns({ ...before, upstream: { url: before.upstream } });
  await tx.site.create({
    data: {
      id: before.id,
      ...columns,
      version: before.version + 1,
      changedBy: "system",
      changedAt: new Date(),
    },
  });
  await tx.siteHost.createMany({ data: before.hosts.map((host) => ({ host, siteId: before.id })) });
  if (before.exclusions.length) {
    await tx.wafExclusion.createMany({ data: before.exclusions.map((e) => ({ siteId: before.id, ...exclusionColumns(e) })) });
  }
}

function exclusionColumns(e: SiteRecord["exclusions"][number]) {
  return { ruleId: e.ruleId, reason: e.reason, createdBy: e.createdBy, createdAt: new Date(e.createdAt) };
}
