import "server-only";
import { z } from "zod";
import type { Db } from "../db";
import { MalformedRequestError } from "../errors";
import { PROTECTIONS } from "../security/spec/protections";

export const AUDIT_PAGE_SIZE_MAX = 100;

export const ZAuditQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(AUDIT_PAGE_SIZE_MAX).default(20),
    protection: z.enum(PROTECTIONS).optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof ZAuditQuery>;

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  protection: string | null;
  before: unknown;
  after: unknown;
  outcome: string;
  error: string | null;
  requestId: string;
  configVersion: number | null;
  /** What the runtime did with this change: from its linked runtime-result row (the latest one), or
   * for rows written before results had rows of their own, the value recorded on the change. */
  runtimeResult: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  page: number;
  pageSize: number;
  total: number;
  pages: number;
}

const parseJson = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export function parseAuditQuery(params: Record<string, string | undefined>): AuditQuery {
  const result = ZAuditQuery.safeParse(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== "")));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new MalformedRequestError(`Invalid audit query: ${issue.path.join(".") || "query"}: ${issue.message}`);
  }
  return result.data;
}

/**
 * One entry per change, newest first; ties (same millisecond) broken by id so pages never overlap.
 * Runtime-result rows (those with a `change_id`) are not entries: each is joined to the change it
 * names.
 */
export async function listAudit(db: Db, query: AuditQuery): Promise<AuditPage> {
  const where = { changeId: null, ...(query.protection ? { protection: query.protection } : {}) };
  const [total, rows] = await Promise.all([
    db.securityAudit.count({ where }),
    db.securityAudit.findMany({
      where,
      orderBy: [{ at: "desc" }, { id: "desc" }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    }),
  ]);
  const results = rows.length
    ? await db.securityAudit.findMany({
        where: { changeId: { in: rows.map((r) => r.id) } },
        orderBy: { id: "asc" },
        select: { changeId: true, runtimeResult: true },
      })
    : [];
  // Ascending ids: a later result for the same change (none is written today) would win.
  const resultByChange = new Map(results.map((r) => [r.changeId!, r.runtimeResult]));
  return {
    entries: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      protection: r.protection,
      before: parseJson(r.before),
      after: parseJson(r.after),
      outcome: r.outcome,
      error: r.error,
      requestId: r.requestId,
      configVersion: r.configVersion,
      runtimeResult: parseJson(resultByChange.get(r.id) ?? r.runtimeResult),
    })),
    page: query.page,
    pageSize: query.pageSize,
    total,
    pages: Math.max(1, Math.ceil(total / query.pageSize)),
  };
}
