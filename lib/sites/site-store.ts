import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { appendAudit, appendAuditOrLog, type AuditAction } from "../audit/append";
import type { Db, Tx } from "../db";
import { ConflictError, isDomainError, MalformedRequestError, NotFoundError, ValidationError } from "../errors";
import { log } from "../log";
import { bumpGlobalVersion } from "../security/config-sql";
import { announceCommit } from "../security/intent-events";
import { GLOBAL_VERSION_KEY } from "../security/mirror";
import { writeMirror } from "../security/mirror-write";
import { readIntent, type ChangeContext } from "../security/intent-store";
import { parseRuleId, ZSiteFields, type SiteFields } from "./grammar";
import { readSite, type SiteRecord } from "./site-read";

// The one write path for sites and WAF exclusions. Both are security intent: every change is a commit
// (the global SecurityConfig.version moves by one, the settings mirror records it, one `committed` audit
// row carries it), in one transaction whose first statement is that version bump, so it serialises with
// every other intent writer (the row's write lock on SQLite, its row lock on PostgreSQL).
// A malformed request is refused before the transaction (nothing written); a well-formed one refused
// for a reason of state (a host name another site serves, a stale version) leaves one `rejected` row.

const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;
const ZVersion = z.number({ error: "expectedVersion must be a number" }).int().min(0).max(2_147_483_647);
const ZId = z.number({ error: "id must be a number" }).int().min(1).max(2_147_483_647);
const ZReason = z.string({ error: "reason must be text" }).max(500, "Reason must be at most 500 characters").optional();

export const ZCreateSite = ZSiteFields;
export const ZUpdateSite = z.object({ id: ZId, expectedVersion: ZVersion, fields: ZSiteFields }).strict();
export const ZRemoveSite = z.object({ id: ZId, expectedVersion: ZVersion }).strict();
export const ZExclusion = z.object({ siteId: ZId, ruleId: z.unknown().transform(toRuleId), reason: ZReason }).strict();
export const ZRemoveExclusion = z.object({ siteId: ZId, ruleId: z.unknown().transform(toRuleId) }).strict();

function toRuleId(raw: unknown, ctx: z.RefinementCtx): number {
  try {
    return parseRuleId(raw);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
}

export interface SiteCommit {
  site: SiteRecord | null;
  configVersion: number;
  auditId: number;
  requestId: string;
  /** What was committed and what it replaced: enough to undo it (site-revert.ts). */
  action: SiteAction;
  before: SiteRecord | null;
  /** The rule of an exclusion change. */
  ruleId?: number;
}

export type SiteAction = "site_add" | "site_update" | "site_remove" | "waf_exclusion_add" | "waf_exclusion_remove";

/** Checks the runtime can serve a site before anything is written (e.g. the edge is installed). */
export interface SiteHooks {
  preflight?: (fields: SiteFields) => void;
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[issue.path.join(".") || "request"] ??= issue.message;
  throw new MalformedRequestError(result.error.issues[0]?.message ?? "The request is malformed", fields);
}

export async function createSite(db: Db, input: unknown, ctx: ChangeContext, hooks: SiteHooks = {}): Promise<SiteCommit> {
  const fields = parse(ZCreateSite, input);
  return commit(db, ctx, "site_add", { after: fields, preflight: () => hooks.preflight?.(fields) }, async (tx, now) => {
    await refuseTakenHosts(tx, fields.hosts, null);
    const site = await tx.site.create({ data: { ...siteColumns(fields), changedBy: ctx.actor, changedAt: now } });
    await tx.siteHost.createMany({ data: fields.hosts.map((host) => ({ host, siteId: site.id })) });
    return { siteId: site.id, before: null };
  });
}

export async function updateSite(db: Db, input: unknown, ctx: ChangeContext, hooks: SiteHooks = {}): Promise<SiteCommit> {
  const { id, expectedVersion, fields } = parse(ZUpdateSite, input);
  return commit(db, ctx, "site_update", { after: { id, ...fields }, preflight: () => hooks.preflight?.(fields) }, async (tx, now) => {
    const before = await lockedSite(tx, id, expectedVersion);
    await refuseTakenHosts(tx, fields.hosts, id);
    await tx.site.update({ where: { id }, data: { ...siteColumns(fields), version: { increment: 1 }, changedBy: ctx.actor, changedAt: now } });
    await tx.siteHost.deleteMany({ where: { siteId: id } });
    await tx.siteHost.createMany({ data: fields.hosts.map((host) => ({ host, siteId: id })) });
    return { siteId: id, before };
  });
}

export async function removeSite(db: Db, input: unknown, ctx: ChangeContext): Promise<SiteCommit> {
  const { id, expectedVersion } = parse(ZRemoveSite, input);
  return commit(db, ctx, "site_remove", { after: null }, async (tx) => {
    const before = await lockedSite(tx, id, expectedVersion);
    await tx.site.delete({ where: { id } }); // its hosts and exclusions go with it (ON DELETE CASCADE)
    return { siteId: null, before };
  });
}

/** "Exclude this rule for this site": the WAF stops applying one rule to the site's host names. */
export async function addExclusion(db: Db, input: unknown, ctx: ChangeContext): Promise<SiteCommit> {
  const { siteId, ruleId, reason } = parse(ZExclusion, input);
  return commit(db, ctx, "waf_exclusion_add", { after: { siteId, ruleId, reason: reason ?? null }, ruleId }, async (tx, now) => {
    const before = await existingSite(tx, siteId);
    if (before.exclusions.some((e) => e.ruleId === ruleId)) throw new ValidationError(`Rule ${ruleId} is already excluded for ${before.hosts[0]}`);
    await tx.wafExclusion.create({ data: { siteId, ruleId, reason: reason ?? null, createdBy: ctx.actor, createdAt: now } });
    await tx.site.update({ where: { id: siteId }, data: { version: { increment: 1 }, changedBy: ctx.actor, changedAt: now } });
    return { siteId, before };
  });
}

export async function removeExclusion(db: Db, input: unknown, ctx: ChangeContext): Promise<SiteCommit> {
  const { siteId, ruleId } = parse(ZRemoveExclusion, input);
  return commit(db, ctx, "waf_exclusion_remove", { after: { siteId, ruleId }, ruleId }, async (tx, now) => {
    const before = await existingSite(tx, siteId);
    const removed = await tx.wafExclusion.deleteMany({ where: { siteId, ruleId } });
    if (removed.count === 0) throw new NotFoundError(`Rule ${ruleId} is not excluded for ${before.hosts[0]}`);
    await tx.site.update({ where: { id: siteId }, data: { version: { increment: 1 }, changedBy: ctx.actor, changedAt: now } });
    return { siteId, before };
  });
}

export function siteColumns(fields: Pick<SiteFields, "tlsVerify" | "enabled" | "maxBodyBytes" | "waf" | "rateLimit"> & { upstream: { url: string } }) {
  return {
    upstream: fields.upstream.url,
    tlsVerify: fields.tlsVerify,
    enabled: fields.enabled,
    maxBodyBytes: fields.maxBodyBytes,
    waf: fields.waf,
    rateLimit: fields.rateLimit,
  };
}

async function existingSite(tx: Tx, id: number): Promise<SiteRecord> {
  const site = await readSite(tx, id);
  if (!site) throw new NotFoundError(`Site ${id} does not exist (it may have been removed); reload the page`);
  return site;
}

async function lockedSite(tx: Tx, id: number, expectedVersion: number): Promise<SiteRecord> {
  const site = await existingSite(tx, id);
  if (site.version !== expectedVersion)
    throw new ConflictError(
      `Site ${site.hosts[0]} was changed by ${site.changedBy ?? "someone"} (version ${site.version}, you had ${expectedVersion}); reload and try again`,
      { protection: "sites", expectedVersion, currentVersion: site.version, changedBy: site.changedBy, changedAt: site.changedAt },
    );
  return site;
}

/** A host name is served by one site: naming the site that has it is the clearest refusal. */
async function refuseTakenHosts(tx: Tx, hosts: string[], ownId: number | null): Promise<void> {
  const taken = await tx.siteHost.findMany({ where: { host: { in: hosts }, ...(ownId === null ? {} : { siteId: { not: ownId } }) } });
  if (taken.length === 0) return;
  const other = await readSite(tx, taken[0]!.siteId);
  const names = taken.map((t) => t.host).join(", ");
  const message = `${names} ${taken.length === 1 ? "is" : "are"} already served by the site for ${other?.hosts.join(", ") ?? `#${taken[0]!.siteId}`}`;
  throw new ValidationError(message, { hosts: message });
}

type Body = (tx: Tx, now: Date) => Promise<{ siteId: number | null; before: SiteRecord | null }>;

interface Requested {
  after: unknown;
  ruleId?: number;
  preflight?: () => void;
}

async function commit(db: Db, ctx: ChangeContext, action: SiteAction, requested: Requested, body: Body): Promise<SiteCommit> {
  const requestId = ctx.requestId ?? randomUUID();
  await readIntent(db, requestId); // recreates a missing config row before the transaction needs it
  let before: SiteRecord | null = null;
  try {
    requested.preflight?.();
    const outcome = await db.$transaction(async (tx) => {
      const now = new Date();
      const row = await bumpGlobalVersion(tx, now); // first statement: the intent lock (see above)
      if (!row) throw new Error("security config row missing inside the site transaction");
      const done = await body(tx, now);
      const siteId = done.siteId;
      before = done.before;
      const site = siteId === null ? null : await readSite(tx, siteId);
      await writeMirror(tx, [{ key: GLOBAL_VERSION_KEY, value: String(row.version), type: "number" }], now);
      const auditId = await appendAudit(tx, {
        at: now,
        actor: ctx.actor,
        action,
        protection: null,
        ...auditBeforeAfter(action, before, site, requested.after),
        outcome: "committed",
        error: null,
        requestId,
        configVersion: Number(row.version),
      });
      return { site, configVersion: Number(row.version), auditId };
    }, TX_OPTIONS);
    announceCommit({ kind: "site", version: outcome.configVersion });
    log.info({ event: "site_committed", source: "lib/sites", action, actor: ctx.actor, version: outcome.configVersion, requestId }, "site intent committed");
    return { ...outcome, requestId, action, before, ...(requested.ruleId === undefined ? {} : { ruleId: requested.ruleId }) };
  } catch (error) {
    const refused = error instanceof ConflictError || error instanceof ValidationError || error instanceof NotFoundError;
    if (refused || (isDomainError(error) && error.code === "NOT_INSTALLED")) {
      await appendAuditOrLog(
        db,
        {
          actor: ctx.actor,
          action,
          protection: null,
          after: requested.after,
          outcome: "rejected",
          error: error.message,
          requestId,
        },
        "a rejected site change",
      );
      log.info({ event: "site_rejected", source: "lib/sites", action, actor: ctx.actor, reason: error.message, requestId }, "site change refused");
    }
    throw error;
  }
}

/** A site change records the whole site before and after; an exclusion records the rule and the site's names. */
function auditBeforeAfter(action: AuditAction, before: SiteRecord | null, site: SiteRecord | null, requested: unknown) {
  if (action.startsWith("waf_exclusion_")) {
    const hosts = (site ?? before)?.hosts ?? [];
    return {
      before: before ? { siteId: before.id, hosts, excluded: before.exclusions.map((e) => e.ruleId) } : null,
      after: { ...(requested as object), hosts },
    };
  }
  return { before: before ? auditView(before) : null, after: site ? auditView(site) : requested };
}

/** What an audit row records of a site: everything the admin set, no timestamps. */
export function auditView(site: SiteRecord) {
  return {
    id: site.id,
    hosts: site.hosts,
    upstream: site.upstream,
    tlsVerify: site.tlsVerify,
    enabled: site.enabled,
    maxBodyBytes: site.maxBodyBytes,
    waf: site.waf,
    rateLimit: site.rateLimit,
    exclusions: site.exclusions.map((e) => e.ruleId),
  };
}
