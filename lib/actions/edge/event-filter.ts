import { z } from "zod";
import { MalformedRequestError } from "../../errors";
import type { SiteRecord } from "../../sites/site-read";
import { parseHostName, parseRuleId } from "../../sites/grammar";
import { siteForHost, type WafEventRow } from "./event-sites";

// The Events page's filters, from a query string: by site (its id, or a host name it serves), by action,
// by rule id, and a request id search (the X-Request-Id a blocked client saw: exact, or its first
// characters). A malformed filter is refused whole, naming the field; nothing is read for it.

export const EVENTS_PAGE_SIZE = 100;
export const EVENTS_LIMIT_MAX = 500;
/** nginx's $request_id is 32 hex digits; other front ends' ids are of these characters too. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function grammar<T>(parse: (raw: string) => T) {
  return (raw: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(raw);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  };
}

export type SiteFilter = { kind: "id"; id: number } | { kind: "host"; host: string };

function parseSiteFilter(raw: string): SiteFilter {
  if (/^[0-9]+$/.test(raw)) {
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) throw new Error("A site id is a whole number from 1");
    return { kind: "id", id };
  }
  return { kind: "host", host: parseHostName(raw) };
}

export const ZEventFilter = z
  .object({
    site: z.string().transform(grammar(parseSiteFilter)).optional(),
    action: z.enum(["blocked", "detected"], { error: 'must be "blocked" or "detected"' }).optional(),
    rule: z.string().transform(grammar(parseRuleId)).optional(),
    requestId: z
      .string()
      .trim()
      .regex(REQUEST_ID, "A request id is 1–64 letters, digits, dots, colons, hyphens or underscores")
      .transform((id) => id.toLowerCase())
      .optional(),
    limit: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(EVENTS_LIMIT_MAX, `must be at most ${EVENTS_LIMIT_MAX}`)
      .default(EVENTS_PAGE_SIZE),
  })
  .strict();
export type EventFilter = z.infer<typeof ZEventFilter>;

/** The query string's filters (empty values are no filter); a malformed one is a MalformedRequestError. */
export function parseEventFilter(params: Record<string, string | string[] | undefined>): EventFilter {
  const present: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") present[key] = value;
  const result = ZEventFilter.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".") || "query";
    throw new MalformedRequestError(`Invalid events filter: ${field}: ${issue.message}`, { [field]: issue.message });
  }
  return result.data;
}

/** Whether an event passes the filter. A host filter means the site serving that host, or that exact host when none does. */
export function eventMatcher(filter: EventFilter, sites: readonly SiteRecord[]): (row: WafEventRow) => boolean {
  let siteId: number | null = null;
  let host: string | null = null;
  if (filter.site?.kind === "id") siteId = filter.site.id;
  else if (filter.site?.kind === "host") {
    siteId = siteForHost(filter.site.host, sites)?.id ?? null;
    if (siteId === null) host = filter.site.host;
  }
  const requestId = filter.requestId;
  return (row) =>
    (siteId === null || row.site?.id === siteId) &&
    (host === null || row.host === host) &&
    (filter.action === undefined || row.action === filter.action) &&
    (filter.rule === undefined || row.rules.some((r) => r.ruleId === filter.rule)) &&
    (requestId === undefined || row.requestId.toLowerCase().startsWith(requestId));
}
