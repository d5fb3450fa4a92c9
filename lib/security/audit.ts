import { z } from "zod";
import type { Db } from "../db";
import { MalformedRequestError } from "../errors";
import { PROTECTIONS } from "./protections";

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

/** Newest first; ties (same millisecond) broken by id so pages never overlap. */
export async function listAudit(db: Db, query: AuditQuery): Promise<AuditPage> {
  const where = query.protection ? { protection: query.protection } : {};
  const [total, rows] = await Promise.all([
    db.securityAudit.count({ where }),
    db.securityAudit.findMany({
      where,
      orderBy: [{ at: "desc" }, { id: "desc" }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    }),
  ]);
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
      runtimeResult: parseJson(r.runtimeResult),
    })),
    page: query.page,
    pageSize: query.pageSize,
    total,
    pages: Math.max(1, Math.ceil(total / query.pageSize)),
  };
}
