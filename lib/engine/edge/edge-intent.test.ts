import { describe, expect, it } from "vitest";
import { ValidationError } from "../../errors";
import { checkHostname, checkRuleId, checkUpstream, nginxToken, quotedPath, regexLiteral } from "./edge-grammar";
import { DEFAULT_MAX_BODY_BYTES, validateEdgeIntent } from "./edge-intent";

// The grammar every admin-typed edge value passes before it is rendered is the sites grammar
// (lib/sites/grammar.ts, whose own tests cover its wording): here, that the edge applies it, so that
// config-injection payloads are refused with a sentence naming the offending character, and that the
// renderer's own quoting helpers refuse them again.

const WAF = { enabled: true, mode: "block", paranoia: 1, inboundThreshold: 5, outboundThreshold: 4 };
const RATE = { enabled: true, rate: 100, unit: "minute", burst: 10, excess: "reject" };
const siteWith = (extra: Record<string, unknown>) => ({ id: "app", hostnames: ["app.example"], upstream: "http://127.0.0.1:3000", ...extra });
const refusal = (input: unknown): ValidationError => {
  try {
    validateEdgeIntent(input);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected the intent to be refused");
};

describe("host names", () => {
  it.each([
    ["app.example;", "the character ;"],
    ["app.example}", "the character }"],
    ["app.example{", "the character {"],
    ['app.example"', 'the character "'],
    ["app.example'", "the character '"],
    ["app example", "a space"],
    ["app.example\nserver { listen 80; }", "a line break"],
    ["app.$host", "the character $"],
    ["app.example#", "the character #"],
    ["exämple.com", "the non-ASCII character ä"],
    ["app\\.example", "the character \\"],
    ["app.example\r", "a line break"],
    ["app\u0000.example", "a control character"],
  ])("refuses %j: it contains %s", (name, what) => {
    expect(checkHostname(name)).toEqual({ ok: false, reason: expect.stringContaining(`contains ${what}`) });
  });

  it("accepts exact names and leading wildcards, lower-cased", () => {
    expect(checkHostname("Shop.Example.COM")).toEqual({ ok: true, value: "shop.example.com" });
    expect(checkHostname("*.example.com")).toEqual({ ok: true, value: "*.example.com" });
    expect(checkHostname("xn--exmple-cua.com")).toEqual({ ok: true, value: "xn--exmple-cua.com" });
  });

  it("refuses malformed names with a reason", () => {
    expect(checkHostname("")).toEqual({ ok: false, reason: "Host name is empty" });
    for (const name of ["a..b", "-a.b", `${"a".repeat(64)}.com`]) {
      expect(checkHostname(name)).toEqual({ ok: false, reason: expect.stringContaining("is not a DNS name") });
    }
    expect(checkHostname("app.*.example")).toEqual({ ok: false, reason: expect.stringContaining("a wildcard is allowed only as the first label") });
    expect(checkHostname("*.com")).toEqual({ ok: false, reason: expect.stringContaining("must cover a domain with a dot") });
    expect(checkHostname("10.0.0.1")).toEqual({ ok: false, reason: '"10.0.0.1" is an address, not a host name' });
    expect(checkHostname(42)).toEqual({ ok: false, reason: "a host name must be text" });
  });
});

describe("upstreams", () => {
  it.each([
    "http://app:80;}",
    "http://app:80 ",
    'http://"app":80',
    "http://app:80\nproxy_pass http://evil",
    "http://$host:80",
    "http://app:80#",
    "http://äpp:80",
    "http://app:80/path",
    "ftp://app:21",
    "http://user@app:80",
    "http://app:99999",
    "http://[::1:80",
    "http://[zz::1]:80",
    "http://*.app:80",
  ])("refuses %j", (upstream) => {
    expect(checkUpstream(upstream)).toEqual({ ok: false, reason: expect.stringMatching(/^Upstream /) });
  });

  it("names the first refused character", () => {
    expect(checkUpstream("http://app:80;}")).toEqual({ ok: false, reason: 'Upstream "http://app:80;}" contains the character ;' });
    expect(checkUpstream("http://app:80\nx")).toEqual({ ok: false, reason: 'Upstream "http://app:80\\x0ax" contains a line break' });
    expect(checkUpstream(80)).toEqual({ ok: false, reason: "the upstream must be text" });
  });

  it("accepts http(s) with a host name, IPv4 or bracketed IPv6, the port made explicit", () => {
    expect(checkUpstream("http://App.Internal:8080")).toEqual({
      ok: true,
      value: { scheme: "http", host: "app.internal", port: 8080, url: "http://app.internal:8080" },
    });
    expect(checkUpstream("https://10.0.0.5")).toEqual({ ok: true, value: { scheme: "https", host: "10.0.0.5", port: 443, url: "https://10.0.0.5:443" } });
    expect(checkUpstream("http://[::1]:3000/")).toEqual({ ok: true, value: { scheme: "http", host: "[::1]", port: 3000, url: "http://[::1]:3000" } });
  });
});

describe("rule ids", () => {
  it("accepts a number or digits only", () => {
    expect(checkRuleId(941100)).toEqual({ ok: true, value: 941100 });
    expect(checkRuleId("942100")).toEqual({ ok: true, value: 942100 });
  });
  it.each(["941100;", "94 1100", "id:941100", "-1", "1e5", "", "9411000000", 1.5, null, 0, 10_000_000, "941100,ctl:ruleEngine=Off"])("refuses %j", (id) => {
    expect(checkRuleId(id)).toEqual({ ok: false, reason: "Rule id must be a whole number from 1 to 9,999,999" });
  });
});

describe("validateEdgeIntent", () => {
  it("normalises a valid intent and fills in the defaults", () => {
    const intent = validateEdgeIntent({
      sites: [siteWith({ hostnames: ["App.Example", "*.Example.org"] })],
      waf: WAF,
      rateLimit: RATE,
      exclusions: [{ siteId: "app", ruleId: "942100" }],
    });
    expect(intent).toEqual({
      sites: [
        {
          id: "app",
          hostnames: ["app.example", "*.example.org"],
          upstream: "http://127.0.0.1:3000",
          tlsVerify: true,
          enabled: true,
          maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
          waf: "inherit",
          rateLimit: "inherit",
        },
      ],
      waf: WAF,
      exclusions: [{ siteId: "app", ruleId: 942100 }],
      rateLimit: RATE,
    });
  });

  it("refuses a config-injection payload with a clear message and the field it came from", () => {
    const e = refusal({ sites: [siteWith({ hostnames: ["app.example; } server { listen 80; location / { return 200; }"] })], waf: WAF, rateLimit: RATE });
    expect(e.message).toBe(
      'The edge configuration was refused, nothing was written: site "app": Host name "app.example; } server { listen 80; location / { return 200; }" contains the character ;.',
    );
    expect(Object.keys(e.fields)).toEqual(["sites[0].hostnames[0]"]);
  });

  it("refuses a host name served by two sites, whatever its case", () => {
    const e = refusal({ sites: [siteWith({}), siteWith({ id: "other", hostnames: ["APP.example"] })], waf: WAF, rateLimit: RATE });
    expect(e.fields["sites[1].hostnames[0]"]).toBe('site "other": the host name app.example is already served by site "app"');
    const twice = refusal({ sites: [siteWith({ hostnames: ["a.example", "a.example"] })], waf: WAF, rateLimit: RATE });
    expect(twice.fields["sites[0].hostnames[1]"]).toBe('site "app": the host name a.example is listed twice');
  });

  it("refuses an exclusion whose rule id is not a number or whose site does not exist", () => {
    const e = refusal({
      sites: [siteWith({})],
      waf: WAF,
      rateLimit: RATE,
      exclusions: [
        { siteId: "app", ruleId: "942100 ctl:ruleEngine=Off" },
        { siteId: "nope", ruleId: 1 },
      ],
    });
    expect(e.fields).toEqual({
      "exclusions[0].ruleId": "Rule id must be a whole number from 1 to 9,999,999",
      "exclusions[1].siteId": 'the rule exclusion names the site "nope", which does not exist',
    });
    expect(e.message).toMatch(/\(and 1 more problem\)\.$/);
  });

  it("refuses bad site ids, body sizes, WAF settings and shapes", () => {
    const e = refusal({
      sites: [siteWith({ id: "../etc", maxBodyBytes: 0, waf: "maybe", tlsVerify: "yes" })],
      waf: { ...WAF, paranoia: 5, mode: "loud" },
      rateLimit: RATE,
    });
    expect(Object.keys(e.fields).sort()).toEqual(["sites[0].id", "sites[0].maxBodyBytes", "sites[0].tlsVerify", "sites[0].waf", "waf.mode", "waf.paranoia"]);
    expect(refusal(null).fields.sites).toBe("the sites must be a list");
    expect(refusal({ sites: [siteWith({ hostnames: [] })], waf: WAF, rateLimit: RATE }).fields["sites[0].hostnames"]).toBe(
      'site "app": at least one host name is needed',
    );
  });
});

describe("the rate limit", () => {
  it("accepts the spec's bounds (1–100,000 per second or minute, burst 0–100,000, reject or delay) and a site's inherit/off", () => {
    for (const rateLimit of [
      { ...RATE, rate: 1, burst: 0, unit: "second", excess: "delay" },
      { ...RATE, rate: 100_000, burst: 100_000, enabled: false },
    ]) {
      expect(validateEdgeIntent({ sites: [siteWith({ rateLimit: "off" })], waf: WAF, rateLimit }).rateLimit).toEqual(rateLimit);
    }
  });

  it("refuses values out of bounds, a unit that is neither second nor minute, an unknown excess or site setting: every field named", () => {
    const e = refusal({
      sites: [siteWith({ rateLimit: "sometimes" })],
      waf: WAF,
      rateLimit: { enabled: "yes", rate: 0, burst: 100_001, unit: "hour", excess: "drop" },
    });
    expect(e.fields).toEqual({
      "sites[0].rateLimit": 'site "app": the rate limit setting is "inherit" or "off"',
      "rateLimit.enabled": "rate limiting is on or off",
      "rateLimit.rate": "the rate limit's rate must be a whole number from 1 to 100000",
      "rateLimit.burst": "the rate limit's burst must be a whole number from 0 to 100000",
      "rateLimit.unit": "the rate limit is per second or per minute",
      "rateLimit.excess": "the rate limit's excess is reject or delay",
    });
    expect(refusal({ sites: [siteWith({})], waf: WAF, rateLimit: { ...RATE, rate: 2.5 } }).message).toBe(
      "The edge configuration was refused, nothing was written: the rate limit's rate must be a whole number from 1 to 100000.",
    );
    expect(refusal({ sites: [siteWith({})], waf: WAF }).fields).toEqual({ rateLimit: "the rate limit settings are missing" });
  });
});

describe("the renderer's quoting helpers refuse what the grammar refuses", () => {
  it.each(["a;b", "a b", "a{", "a}", 'a"', "$x", "a#", "ä", "a\nb"])("%j", (value) => {
    expect(() => nginxToken(value)).toThrow(/^refusing to render/);
    expect(() => quotedPath(`/srv/${value}`)).toThrow(/^refusing to render the path/);
    expect(() => regexLiteral(value)).toThrow(/^refusing to render/);
  });
});
