import { describe, expect, it } from "vitest";
import { GrammarError, parseHostName, parseRuleId, parseUpstream, ZSiteFields } from "./grammar";

// The grammar is the only gate between what an admin types and the edge's nginx files: every payload that
// could close a directive, open a block, start a comment or expand a variable must be refused by name.

const INJECTION = [
  "app.example.com; return 200",
  "app.example.com}",
  "{app.example.com",
  'app."example".com',
  "app.example.com'",
  "app example.com",
  "app.example.com\nserver_name evil",
  "app.example.com\r",
  "$host",
  "app.example.com#",
  "app.exämple.com",
  "app.example.com\\",
  "app.example.com\u0000",
];

describe("host names", () => {
  it("accepts exact names and a leading wildcard, lower-cased", () => {
    expect(parseHostName("App.Example.COM")).toBe("app.example.com");
    expect(parseHostName("*.example.com")).toBe("*.example.com");
    expect(parseHostName("localhost")).toBe("localhost");
    expect(parseHostName("xn--bcher-kva.example")).toBe("xn--bcher-kva.example");
  });

  it.each(INJECTION)("refuses the injection payload %j with a message naming what is wrong", (payload) => {
    expect(() => parseHostName(payload)).toThrow(GrammarError);
    expect(() => parseHostName(payload)).toThrow(/contains|not a DNS name/);
  });

  it("names the character an admin must remove, without echoing control characters", () => {
    expect(() => parseHostName("a;b")).toThrow('Host name "a;b" contains the character ;');
    expect(() => parseHostName("a\nb")).toThrow('Host name "a\\x0ab" contains a line break');
    expect(() => parseHostName("exämple.com")).toThrow(/non-ASCII character ä \(use the xn-- form/);
  });

  it("refuses malformed names: empty, wildcards elsewhere, hyphen edges, over-long labels, bare addresses", () => {
    for (const bad of ["", "*", "*.com", "a.*.com", "-a.com", "a-.com", `${"a".repeat(64)}.com`, "a..com", "10.0.0.1", `${"a.".repeat(127)}aa`]) {
      expect(() => parseHostName(bad), bad).toThrow(GrammarError);
    }
  });
});

describe("upstreams", () => {
  it("accepts http(s)://host:port, writing the default port", () => {
    expect(parseUpstream("http://127.0.0.1:9001")).toEqual({ scheme: "http", host: "127.0.0.1", port: 9001, url: "http://127.0.0.1:9001" });
    expect(parseUpstream("HTTPS://Backend.internal")).toMatchObject({
      scheme: "https",
      host: "backend.internal",
      port: 443,
      url: "https://backend.internal:443",
    });
    expect(parseUpstream("http://[::1]:8000/")).toMatchObject({ host: "[::1]", port: 8000 });
  });

  it.each([
    ...INJECTION.map((p) => `http://${p}:80`),
    "http://a.com:80; proxy_pass http://evil",
    "http://a.com:80/path",
    "http://user:pw@a.com:80",
    "http://a.com:80?x=1",
    "ftp://a.com:21",
    "a.com:80",
    "http://a.com:0",
    "http://a.com:65536",
    "http://*.a.com:80",
    "http://[::1;]:80",
    "unix:/tmp/x.sock",
  ])("refuses %j", (payload) => {
    expect(() => parseUpstream(payload)).toThrow(GrammarError);
  });
});

describe("rule ids", () => {
  it("accepts whole numbers in ModSecurity's range, also as digits typed in a form", () => {
    expect(parseRuleId(941100)).toBe(941100);
    expect(parseRuleId(" 942100 ")).toBe(942100);
  });

  it.each([0, -1, 1.5, 10_000_000, "941100;", "94 1100", "0x10", "", null, "941100\n"])("refuses %j", (bad) => {
    expect(() => parseRuleId(bad)).toThrow("Rule id must be a whole number from 1 to 9,999,999");
  });
});

describe("a site's fields", () => {
  const site = {
    hosts: ["app.example.com"],
    upstream: "http://127.0.0.1:9001",
    tlsVerify: true,
    enabled: true,
    maxBodyBytes: 10 * 1024 * 1024,
    waf: "inherit",
  };

  it("parses a valid site, normalising hosts and upstream", () => {
    const parsed = ZSiteFields.parse({ ...site, hosts: ["APP.example.com", "*.example.com"] });
    expect(parsed.hosts).toEqual(["app.example.com", "*.example.com"]);
    expect(parsed.upstream.url).toBe("http://127.0.0.1:9001");
    // A client that predates the setting gets the rate limit, not its absence.
    expect(parsed.rateLimit).toBe("inherit");
    expect(ZSiteFields.parse({ ...site, rateLimit: "off" }).rateLimit).toBe("off");
  });

  it("refuses a host listed twice, no hosts, a body limit out of bounds, an unknown WAF mode and unknown keys", () => {
    const message = (input: object) => ZSiteFields.safeParse({ ...site, ...input }).error?.issues[0]?.message;
    expect(message({ hosts: ["a.com", "A.com"] })).toBe("Host name a.com is listed twice");
    expect(message({ hosts: [] })).toBe("A site needs at least one host name");
    expect(message({ maxBodyBytes: 10 })).toBe("Maximum body size must be at least 1024 bytes");
    expect(message({ maxBodyBytes: 2 * 1024 ** 3 })).toBe("Maximum body size must be at most 1 GiB");
    expect(message({ waf: "block" })).toBe("WAF must be inherit or off");
    expect(message({ rateLimit: "sometimes" })).toBe("Rate limiting must be inherit or off");
    expect(ZSiteFields.safeParse({ ...site, root: "/etc" }).success).toBe(false);
  });
});
