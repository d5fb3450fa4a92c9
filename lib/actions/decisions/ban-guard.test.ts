import { afterEach, describe, expect, it, vi } from "vitest";
import { parseBanValue } from "../../decisions/ban-value";
import { crowdsecIntent } from "../../../test/support/crowdsec";
import { banConflicts, panelNeeds } from "./ban-guard";

// What a ban must not cover without the admin confirming, from the request and the configuration.

const ban = (raw: string) => {
  const v = parseBanValue(raw);
  if (!v.ok) throw new Error(v.message);
  return v;
};
const headers = (ip?: string) => new Headers(ip ? { "x-forwarded-for": ip } : {});

afterEach(() => vi.unstubAllEnvs());

describe("the self-block guard", () => {
  it("names the admin's own address (as server.mjs resolved it), loopback and Verify's WAF and rate probes", () => {
    vi.stubEnv("WARDEN_HTTP_SERVER", "warden");
    const needs = panelNeeds(headers("203.0.113.7"), crowdsecIntent(true, 1));
    expect(needs.map((n) => n.address)).toEqual(["203.0.113.7", "127.0.0.1", "127.0.0.3", "127.0.0.4"]);
    expect(banConflicts(ban("203.0.113.0/24"), needs)).toEqual([{ address: "203.0.113.7", why: "the address you are signed in from" }]);
    expect(banConflicts(ban("203.0.114.0/24"), needs)).toEqual([]);
  });

  it("does not believe X-Forwarded-For when the panel runs without its server (the client wrote it)", () => {
    vi.stubEnv("WARDEN_HTTP_SERVER", undefined);
    expect(panelNeeds(headers("203.0.113.7"), crowdsecIntent(true, 1)).map((n) => n.address)).not.toContain("203.0.113.7");
  });

  it("a proxy in front of the edge or the panel conflicts with any ban that shares an address with it", () => {
    vi.stubEnv("WARDEN_EDGE_TRUSTED_PROXIES", "198.51.100.0/24");
    vi.stubEnv("WARDEN_TRUSTED_PROXIES", "192.0.2.10");
    const needs = panelNeeds(headers(), crowdsecIntent(true, 1));
    expect(banConflicts(ban("198.51.100.77"), needs)).toEqual([
      expect.objectContaining({ address: "198.51.100.0/24", why: expect.stringMatching(/every client behind it/) }),
    ]);
    expect(banConflicts(ban("192.0.2.0/24"), needs)).toEqual([expect.objectContaining({ address: "192.0.2.10" })]);
  });

  it("an external LAPI's host is needed; Verify's ban probe address alone is exempt, a range around it is not", () => {
    const needs = panelNeeds(headers(), crowdsecIntent(true, 1, "external", "http://10.9.8.7:8080"));
    expect(banConflicts(ban("10.9.8.0/24"), needs)).toEqual([{ address: "10.9.8.7", why: "the CrowdSec Local API" }]);
    expect(banConflicts(ban("127.0.0.5"), needs)).toEqual([]);
    expect(banConflicts(ban("127.0.0.4/31"), needs).map((c) => c.address)).toEqual(["127.0.0.4"]);
  });
});
