import "server-only";
import { z } from "zod";
import { dbProvider, type Db } from "../db";
import { ValidationError } from "../errors";
import { readBlocklistState, type BlocklistState } from "./decision-store";
import {
  DECISION_PAGE_SIZE,
  DECISION_PAGE_SIZE_MAX,
  DECISION_PAGE_SIZE_MIN,
  DECISION_SEARCH_MAX,
  DECISION_SORTS,
  ORIGIN_KINDS,
  ORIGIN_OF_KIND,
  originKind,
  type BlocklistStateView,
  type DecisionListView,
  type DecisionRow,
} from "./decision-types";

// The Decisions page's list: the persisted active set (expired rows left out), searched, filtered,
// sorted and paged in the database, with the whole set's counts and the leader's last sync.

const whole = (what: string, min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `${what} must be at least ${min}`)
    .max(max, `${what} must be at most ${max}`);

export const ZDecisionQuery = z
  .object({
    q: z.string().trim().max(DECISION_SEARCH_MAX, `A search is at most ${DECISION_SEARCH_MAX} characters`).optional(),
    origin: z.enum(ORIGIN_KINDS as [string, ...string[]], { error: 'must be "scenario", "manual", "panel" or "other"' }).optional(),
    type: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, "A decision type is 1–32 letters, digits, hyphens or underscores (ban, captcha)")
      .optional(),
    enforced: z.enum(["enforced", "not_enforced"], { error: 'must be "enforced" or "not_enforced"' }).optional(),
    page: whole("page", 1, 1_000_000).default(1),
    pageSize: whole("pageSize", DECISION_PAGE_SIZE_MIN, DECISION_PAGE_SIZE_MAX).default(DECISION_PAGE_SIZE),
    sort: z.enum(DECISION_SORTS, { error: 'must be "expires_asc", "expires_desc" or "value"' }).default("expires_asc"),
  })
  .strict();
export type DecisionQuery = z.infer<typeof ZDecisionQuery>;

/** The query (a query string's values, or an object); empty values are no filter. Bad input is a ValidationError naming the field. */
export function parseDecisionQuery(input: unknown): DecisionQuery {
  const present: Record<string, unknown> = {};
  if (input !== undefined && input !== null) {
    if (typeof input !== "object" || Array.isArray(input)) throw new ValidationError("Invalid decisions query: expected an object of parameters.", {});
    for (const [key, value] of Object.entries(input)) if (value !== undefined && value !== "") present[key] = value;
  }
  const result = ZDecisionQuery.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".") || (issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "query");
    const message = issue.code === "unrecognized_keys" ? "is not a decisions query parameter" : issue.message;
    throw new ValidationError(`Invalid decisions query: ${field}: ${message}`, { [field]: message });
  }
  return result.data;
}

const COLUMNS = `"id", "value", "scope", "type", "origin", "scenario", "expires_at", "enforced", "not_enforced_reason"`;
const ORDER = {
  expires_asc: `"expires_at" ASC, "id" ASC`,
  expires_desc: `"expires_at" DESC, "id" DESC`,
  value: `"value" ASC, "id" ASC`,
} as const;

/**
 * The filter as SQL with its parameters. Raw SQL, not Prisma's `contains`: that sends the search as a
 * LIKE pattern unescaped (a "%" or "_" in it would match anything), and SQLite's LIKE has no escape
 * character by default. A search is a plain substring test of the lower-cased text (instr / strpos).
 */
function filterSql(provider: ReturnType<typeof dbProvider>, query: DecisionQuery, now: Date): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const next = provider === "sqlite" ? () => "?" : () => `$${params.length + 1}`;
  const param = (value: unknown) => {
    const placeholder = next();
    params.push(value);
    return placeholder;
  };
  const found = provider === "sqlite" ? "instr" : "strpos";
  const clauses = [`"expires_at" > ${param(now)}`];
  if (query.q) {
    const q = query.q.toLowerCase();
    clauses.push(`(${found}(lower("value"), ${param(q)}) > 0 OR ${found}(lower("scenario"), ${param(q)}) > 0)`);
  }
  if (query.origin === "other") clauses.push(`"origin" NOT IN (${Object.values(ORIGIN_OF_KIND).map(param).join(", ")})`);
  else if (query.origin) clauses.push(`"origin" = ${param(ORIGIN_OF_KIND[query.origin as keyof typeof ORIGIN_OF_KIND])}`);
  if (query.type) clauses.push(`"type" = ${param(query.type)}`);
  if (query.enforced) clauses.push(`"enforced" = ${param(query.enforced === "enforced")}`);
  return { where: clauses.join(" AND "), params };
}

interface RawDecision {
  id: number | bigint;
  value: string;
  scope: string;
  type: string;
  origin: string;
  scenario: string;
  expires_at: Date | string;
  enforced: boolean | number;
  not_enforced_reason: string | null;
}

function toRow(r: RawDecision, now: Date): DecisionRow {
  const expiresAt = new Date(r.expires_at);
  return {
    id: Number(r.id),
    value: r.value,
    scope: r.scope,
    type: r.type,
    origin: r.origin,
    originKind: originKind(r.origin),
    scenario: r.scenario,
    expiresAt: expiresAt.toISOString(),
    timeLeftSeconds: Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000)),
    enforced: Boolean(Number(r.enforced)),
    notEnforcedReason: r.not_enforced_reason,
  };
}

export function stateView(state: BlocklistState): BlocklistStateView {
  return {
    syncedAt: state.syncedAt?.toISOString() ?? null,
    activeCount: state.activeCount,
    enforcedCount: state.enforcedCount,
    notEnforcedCount: state.notEnforcedCount,
    staleSince: state.staleSince?.toISOString() ?? null,
    staleReason: state.staleReason,
    servedGeneration: state.servedGeneration,
  };
}

/** One page of active decisions for `input` (see ZDecisionQuery), with the whole active set's counts. */
export async function listDecisions(db: Db, input: unknown, now: Date = new Date()): Promise<DecisionListView> {
  const query = parseDecisionQuery(input);
  const provider = dbProvider(db);
  const filter = filterSql(provider, query, now);
  const n = filter.params.length;
  const [limit, offset] = provider === "sqlite" ? ["?", "?"] : [`$${n + 1}`, `$${n + 2}`];
  const pageSql = `SELECT ${COLUMNS} FROM "crowdsec_decisions" WHERE ${filter.where} ORDER BY ${ORDER[query.sort]} LIMIT ${limit} OFFSET ${offset}`;
  const page = (number: number) => db.$queryRawUnsafe<RawDecision[]>(pageSql, ...filter.params, query.pageSize, (number - 1) * query.pageSize);
  const [counted, groups, state, first] = await Promise.all([
    db.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT COUNT(*) AS "n" FROM "crowdsec_decisions" WHERE ${filter.where}`, ...filter.params),
    db.crowdsecDecision.groupBy({ by: ["enforced", "notEnforcedReason"], where: { expiresAt: { gt: now } }, _count: { _all: true } }),
    readBlocklistState(db),
    page(query.page),
  ]);
  const total = Number(counted[0]?.n ?? 0);
  // A page past the end (the set shrank since the page was chosen) shows the last page.
  const last = Math.max(1, Math.ceil(total / query.pageSize));
  const shown = Math.min(query.page, last);
  const rows = (shown === query.page ? first : await page(shown)).map((r) => toRow(r, now));
  const count = (enforced: boolean) => groups.filter((g) => g.enforced === enforced).reduce((sum, g) => sum + g._count._all, 0);
  const reasons = new Map<string, number>();
  for (const g of groups) if (!g.enforced) reasons.set(g.notEnforcedReason ?? "unknown", (reasons.get(g.notEnforcedReason ?? "unknown") ?? 0) + g._count._all);
  return {
    rows,
    total,
    page: shown,
    pageSize: query.pageSize,
    counts: { active: count(true) + count(false), enforced: count(true), notEnforced: count(false) },
    notEnforcedReasons: [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([reason]) => reason),
    syncedAt: state.syncedAt?.toISOString() ?? null,
    state: stateView(state),
    readAt: now.toISOString(),
  };
}
