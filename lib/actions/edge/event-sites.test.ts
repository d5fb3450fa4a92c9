import { describe, expect, it } from "vitest";
import type { WafEvent } from "../../engine/edge/waf-events";
import type { SiteRecord } from "../../sites/site-read";
import { siteForHost, toEventRow } from "./event-sites";

// An event belongs to the site nginx routed its Host header to: that is the site an exclusion made
// from it applies to.

function site(id: number, hosts: string[], excluded: number[] = []): SiteRecord {
  return {
    id,
    hosts,
    upstream: "http://127.0.0.1:9001",
    tlsVerify: true,
    enabled: true,
    maxBodyBytes: 10_485_760,
    waf: "inherit",
    rateLimit: "inherit",
    version: 1,
    changedBy: "admin",
    changedAt: null,
    exclusions: excluded.map((ruleId) => ({ ruleId, reason: null, createdBy: "admin", createdAt: "2026-01-01T00:00:00.000Z" })),
  };
}

const shop = site(1, ["shop.example.com", "*.shop.example.com"], [941160]);
const wildcard = site(2, ["*.example.com"]);
const api = site(3, ["api.shop.example.com"]);
const deep = site(4, ["*.eu.shop.example.com"]);
const SITES = [shop, wildcard, api, deep];

describe("siteForHost", () => {
  it("an exact host name wins over every wildcard that also covers it", () => {
    expect(siteForHost("api.shop.example.com", SITES)?.id).toBe(3);
    expect(siteForHost("shop.example.com", SITES)?.id).toBe(1);
  });

  it("among wildcards the longest wins, at any depth below it", () => {
    expect(siteForHost("www.shop.example.com", SITES)?.id).toBe(1);
    expect(siteForHost("a.b.shop.example.com", SITES)?.id).toBe(1);
    expect(siteForHost("x.eu.shop.example.com", SITES)?.id).toBe(4);
    expect(siteForHost("blog.example.com", SITES)?.id).toBe(2);
  });

  it("a wildcard does not cover its bare domain, nor a name that merely ends in the same letters", () => {
    expect(siteForHost("example.com", SITES)).toBeNull();
    expect(siteForHost("eu.shop.example.com", [deep])).toBeNull();
    expect(siteForHost("badexample.com", SITES)).toBeNull();
    expect(siteForHost("shop.example.com.evil.test", SITES)).toBeNull();
  });

  it("any case and a trailing dot name the same host; an empty Host header has no site", () => {
    expect(siteForHost("SHOP.Example.COM.", SITES)?.id).toBe(1);
    expect(siteForHost("", SITES)).toBeNull();
    expect(siteForHost("shop.example.com", [])).toBeNull();
  });
});

function event(host: string, ruleIds: number[]): WafEvent {
  return {
    time: "2026-12-04T13:40:56.000Z",
    requestId: "a1b2c3",
    client: "203.0.113.7",
    host,
    method: "GET",
    path: "/?q=<script>",
    status: 403,
    ruleIds,
    messages: ruleIds.flatMap((id) =>
      id === 941100
        ? [
            { ruleId: id, message: "XSS via libinjection" },
            { ruleId: id, message: "again" },
          ]
        : [{ ruleId: id, message: `rule ${id}` }],
    ),
    action: "blocked",
  };
}

describe("toEventRow", () => {
  it("names the site and, per rule, whether it can be excluded for it, is already excluded, or is the score verdict", () => {
    const row = toEventRow(event("www.shop.example.com", [941100, 941160, 949110]), SITES);
    expect(row.site).toEqual({ id: 1, name: "shop.example.com", hosts: ["shop.example.com", "*.shop.example.com"] });
    expect(row.rules).toEqual([
      { ruleId: 941100, messages: ["XSS via libinjection", "again"], exclusion: "excludable" },
      { ruleId: 941160, messages: ["rule 941160"], exclusion: "excluded" },
      { ruleId: 949110, messages: ["rule 949110"], exclusion: "score" },
    ]);
    expect(row).toMatchObject({ requestId: "a1b2c3", host: "www.shop.example.com", action: "blocked", path: "/?q=<script>" });
  });

  it("an exclusion of one site is not another's: the same rule is excludable for a site without it", () => {
    expect(toEventRow(event("api.shop.example.com", [941160]), SITES).rules[0]!.exclusion).toBe("excludable");
  });

  it("an event for a host no site serves offers no exclusion", () => {
    const row = toEventRow(event("unknown.test", [941100]), SITES);
    expect(row.site).toBeNull();
    expect(row.rules[0]!.exclusion).toBe("no-site");
  });
});
