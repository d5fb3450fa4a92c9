import { describe, expect, it } from "vitest";
import { MalformedRequestError } from "../../errors";
import type { SiteRecord } from "../../sites/site-read";
import { EVENTS_PAGE_SIZE, eventMatcher, parseEventFilter } from "./event-filter";
import type { WafEventRow } from "./event-sites";

// The Events page's filters as the query string carries them: a bad one is refused whole, naming the
// field (the route answers 400 with that sentence); a good one narrows the events as the admin expects.

describe("parseEventFilter", () => {
  it("reads site (an id or a host name), action, rule and request id; empty values are no filter", () => {
    expect(parseEventFilter({})).toEqual({ limit: EVENTS_PAGE_SIZE });
    expect(parseEventFilter({ site: "", action: "", rule: "", requestId: "" })).toEqual({ limit: EVENTS_PAGE_SIZE });
    expect(parseEventFilter({ site: "7", action: "blocked", rule: "941100", requestId: " A1B2 ", limit: "20" })).toEqual({
      site: { kind: "id", id: 7 },
      action: "blocked",
      rule: 941100,
      requestId: "a1b2",
      limit: 20,
    });
    expect(parseEventFilter({ site: "Shop.Example.COM" }).site).toEqual({ kind: "host", host: "shop.example.com" });
    expect(parseEventFilter({ site: "*.example.com" }).site).toEqual({ kind: "host", host: "*.example.com" });
  });

  it.each([
    [{ action: "allowed" }, 'Invalid events filter: action: must be "blocked" or "detected"'],
    [{ rule: "abc" }, "Invalid events filter: rule: Rule id must be a whole number from 1 to 9,999,999"],
    [{ rule: "0" }, "Invalid events filter: rule: Rule id must be a whole number"],
    [{ rule: "12345678" }, "Invalid events filter: rule: Rule id must be a whole number"],
    [{ site: "shop.example.com; return 200" }, "Invalid events filter: site: Host name"],
    [{ site: "0" }, "Invalid events filter: site: A site id is a whole number from 1"],
    [{ requestId: "a b" }, "Invalid events filter: requestId: A request id is 1–64 letters"],
    [{ requestId: "x".repeat(65) }, "Invalid events filter: requestId: A request id is 1–64 letters"],
    [{ limit: "501" }, "Invalid events filter: limit: must be at most 500"],
    [{ limit: "ten" }, "Invalid events filter: limit: must be a number"],
    [{ sort: "asc" }, 'Invalid events filter: query: Unrecognized key: "sort"'],
  ])("refuses %j, naming the field", (params, message) => {
    let error: unknown;
    try {
      parseEventFilter(params);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });
});

const sites = [
  { id: 1, hosts: ["shop.example.com", "*.shop.example.com"] },
  { id: 2, hosts: ["blog.example.com"] },
] as SiteRecord[];

function row(requestId: string, host: string, siteId: number | null, action: "blocked" | "detected", ruleIds: number[]): WafEventRow {
  return {
    time: "2026-12-04T13:40:56.000Z",
    requestId,
    client: "203.0.113.7",
    host,
    method: "GET",
    path: "/",
    status: action === "blocked" ? 403 : 200,
    action,
    site: siteId === null ? null : { id: siteId, name: host, hosts: [host] },
    rules: ruleIds.map((ruleId) => ({ ruleId, messages: [], exclusion: "excludable" as const })),
  };
}

const ROWS = [
  row("5f3a9c01", "shop.example.com", 1, "blocked", [941100, 949110]),
  row("5f3a9c02", "www.shop.example.com", 1, "detected", [920350]),
  row("77aa0001", "blog.example.com", 2, "blocked", [942100, 949110]),
  row("77aa0002", "stray.test", null, "detected", [913100]),
];

const ids = (params: Record<string, string>) => ROWS.filter(eventMatcher(parseEventFilter(params), sites)).map((r) => r.requestId);

describe("eventMatcher", () => {
  it("by site: its id, or any host name it serves (a wildcard's too); a host no site serves matches that host only", () => {
    expect(ids({ site: "1" })).toEqual(["5f3a9c01", "5f3a9c02"]);
    expect(ids({ site: "new.shop.example.com" })).toEqual(["5f3a9c01", "5f3a9c02"]);
    expect(ids({ site: "stray.test" })).toEqual(["77aa0002"]);
    expect(ids({ site: "99" })).toEqual([]);
  });

  it("by action and by rule id, combined with each other", () => {
    expect(ids({ action: "blocked" })).toEqual(["5f3a9c01", "77aa0001"]);
    expect(ids({ rule: "949110" })).toEqual(["5f3a9c01", "77aa0001"]);
    expect(ids({ rule: "949110", site: "2" })).toEqual(["77aa0001"]);
    expect(ids({ action: "detected", rule: "941100" })).toEqual([]);
  });

  it("a request id finds its event exactly or by its first characters, in any case", () => {
    expect(ids({ requestId: "5F3A9C02" })).toEqual(["5f3a9c02"]);
    expect(ids({ requestId: "77aa" })).toEqual(["77aa0001", "77aa0002"]);
    expect(ids({ requestId: "3a9c" })).toEqual([]);
  });
});
