import { describe, expect, it } from "vitest";
import { validateEdgeIntent, type EdgeIntent } from "./edge-intent";
import { renderSet, withGeneration } from "./rendered-set";
import { RESERVED_SOURCES } from "./reserved-sources";
import { edgeSettingsFrom } from "./settings";

// What the edge's rendered set holds, read as text: the pieces an admin's intent turns into, the
// control listener, the per-site exclusions keyed on Host, and the hash that names the set.

const s = edgeSettingsFrom({
  instanceDir: "/srv/warden/edge",
  listen: { host: "127.0.0.1", port: 8080 },
  control: { host: "127.0.0.1", port: 8081 },
  workerProcesses: 1,
  workerUser: null,
});
const WAF = { enabled: true, mode: "block" as const, paranoia: 2, inboundThreshold: 7, outboundThreshold: 6 };
const RATE = { enabled: false, rate: 100, unit: "minute" as const, burst: 10, excess: "reject" as const };
const intent = (extra: Partial<EdgeIntent> = {}) =>
  validateEdgeIntent({
    sites: [
      { id: "shop", hostnames: ["shop.example", "*.shop.example"], upstream: "https://backend.internal:8443" },
      { id: "api", hostnames: ["api.shop.example"], upstream: "http://127.0.0.1:3000", waf: "off", maxBodyBytes: 1024 },
      { id: "old", hostnames: ["old.example"], upstream: "http://127.0.0.1:3001", enabled: false },
    ],
    waf: WAF,
    rateLimit: RATE,
    exclusions: [
      { siteId: "shop", ruleId: 942100 },
      { siteId: "shop", ruleId: 941100 },
    ],
    ...extra,
  });

describe("renderSet", () => {
  const set = renderSet(intent(), s);
  const nginx = set.files["nginx.conf"]!;

  it("holds nginx.conf, one file per enabled site, the modsec files and the probe's static answer", () => {
    expect(Object.keys(set.files).sort()).toEqual([
      "conf.d/site-api.conf",
      "conf.d/site-shop.conf",
      "modsec/engine.conf",
      "modsec/exclusions.conf",
      "modsec/main.conf",
      "modsec/tuning.conf",
      "nginx.conf",
      "probe/ok.txt",
    ]);
    expect(nginx).toContain("include conf.d/site-shop.conf;\n    include conf.d/site-api.conf;");
    expect(nginx).not.toContain("site-old");
  });

  it("keeps every path inside the instance and loads the CRS once, at http level", () => {
    expect(nginx).toMatch(/^pid nginx\.pid;$/m);
    expect(nginx).toMatch(/^error_log logs\/error\.log notice;$/m);
    for (const d of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) expect(nginx).toContain(`${d}_temp_path tmp/${d};`);
    expect(nginx.match(/modsecurity_rules_file/g)).toHaveLength(1);
    expect(nginx).toContain('modsecurity_rules_file "/srv/warden/edge/modsec/main.conf";');
    expect(nginx).toContain('modsecurity_transaction_id "$request_id";');
    expect(set.files["modsec/main.conf"]).toContain("SecAuditLog /srv/warden/edge/logs/modsec_audit.log");
    expect(set.files["modsec/main.conf"]).toContain('SecAuditLogRelevantStatus "^(?:5|4(?!04|29))"');
    expect(set.files["modsec/main.conf"]).toMatch(
      /Include \/srv\/warden\/edge\/modsec\/exclusions\.conf\nInclude \/usr\/share\/modsecurity-crs\/rules\/\*\.conf\n$/,
    );
  });

  it("the control listener is loopback-only, without the WAF or an access log; unknown hosts get a plain 404", () => {
    expect(nginx).toContain(
      "server {\n        listen 127.0.0.1:8081;\n        server_name _;\n        access_log off;\n        modsecurity off;\n        location = /__warden/generation {",
    );
    expect(nginx).toContain(
      "server {\n        listen 127.0.0.1:8080 default_server;\n        server_name _;\n        modsecurity off;\n        add_header X-Warden-Block $warden_ban_mark always;\n        if ($warden_banned) {",
    );
  });

  it("two access logs: every request in access.log; CrowdSec's copy without Warden's reserved sources, told by the connection's address", () => {
    expect(nginx).toContain(
      "    geo $realip_remote_addr $warden_cs_log {\n        default 1;\n        127.0.0.2 0;\n        127.0.0.3 0;\n        127.0.0.4 0;\n        127.0.0.5 0;\n    }\n" +
        "    access_log logs/access.log combined buffer=32k flush=1s;\n" +
        "    access_log logs/crowdsec-access.log combined buffer=32k flush=1s if=$warden_cs_log;\n",
    );
    expect(RESERVED_SOURCES).toEqual(["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]);
    // At http level, before any server: every site and the unknown-host server inherit both.
    expect(nginx.indexOf("access_log logs/crowdsec-access.log")).toBeLessThan(nginx.indexOf("server {"));
    expect(nginx.match(/access_log logs\//g)).toHaveLength(2);
    // The probe location logs to neither (its requests come from reserved sources anyway).
    expect(set.files["conf.d/site-shop.conf"]).toMatch(/location = \/\.well-known\/warden-probe \{\n {8}access_log off;/);
  });

  it("renders the WAF settings: mode, paranoia, thresholds", () => {
    expect(set.files["modsec/engine.conf"]).toContain("SecRuleEngine On\n");
    expect(renderSet(intent({ waf: { ...WAF, mode: "detect" } }), s).files["modsec/engine.conf"]).toContain("SecRuleEngine DetectionOnly\n");
    expect(set.files["modsec/tuning.conf"]).toContain("setvar:tx.paranoia_level=2");
    expect(set.files["modsec/tuning.conf"]).toContain("setvar:tx.inbound_anomaly_score_threshold=7,setvar:tx.outbound_anomaly_score_threshold=6");
    const off = renderSet(intent({ waf: { ...WAF, enabled: false } }), s).files["nginx.conf"]!;
    expect(off).toContain("modsecurity off;");
    expect(off).not.toContain("modsecurity_rules_file");
  });

  it("a site: its names, body limit, WebSocket headers, request id; the WAF off where asked; TLS verified with SNI", () => {
    const shop = set.files["conf.d/site-shop.conf"]!;
    expect(shop).toContain("server_name shop.example *.shop.example;");
    expect(shop).toContain("client_max_body_size 10485760;");
    expect(shop).toContain("proxy_set_header Upgrade $http_upgrade;");
    expect(shop).toContain("proxy_set_header Connection $warden_connection_upgrade;");
    expect(shop).toContain("add_header X-Request-Id $request_id always;");
    expect(shop).toContain("server backend.internal:8443;");
    expect(shop).toContain("proxy_pass https://warden_site_shop;");
    expect(shop).toContain("proxy_ssl_server_name on;\n        proxy_ssl_name backend.internal;\n        proxy_ssl_verify on;");
    expect(shop).toContain('proxy_ssl_trusted_certificate "/etc/ssl/certs/ca-certificates.crt";');
    expect(shop).not.toContain("modsecurity off;");
    const api = set.files["conf.d/site-api.conf"]!;
    expect(api).toContain("client_max_body_size 1024;");
    expect(api).toContain("modsecurity off;");
    expect(api).not.toContain("proxy_ssl");
    const unverified = validateEdgeIntent({
      sites: [{ id: "x", hostnames: ["x.example"], upstream: "https://x.internal", tlsVerify: false }],
      waf: WAF,
      rateLimit: RATE,
    });
    expect(renderSet(unverified, s).files["conf.d/site-x.conf"]).toContain("proxy_ssl_verify off;");
  });

  it("exclusions: one rule per site keyed on Host, minus the names nginx routes to another site", () => {
    expect(set.files["modsec/exclusions.conf"]).toBe(
      "# Written by Warden: rule exclusions per site (Host-keyed ctl:ruleRemoveById), before the CRS rules.\n" +
        "# site shop: 941100, 942100\n" +
        'SecRule REQUEST_HEADERS:Host "@rx ^(?:shop\\.example|(?:[a-z0-9-]+\\.)+shop\\.example)\\.?(?::[0-9]+)?$" "id:10002,phase:1,pass,nolog,t:none,t:lowercase,chain"\n' +
        '    SecRule REQUEST_HEADERS:Host "!@rx ^(?:api\\.shop\\.example)\\.?(?::[0-9]+)?$" "t:none,t:lowercase,ctl:ruleRemoveById=941100,ctl:ruleRemoveById=942100"\n',
    );
    const none = renderSet(intent({ exclusions: [] }), s).files["modsec/exclusions.conf"]!;
    expect(none.trim().split("\n")).toHaveLength(1);
  });

  it("the hash names the configuration: same intent, same hash; any change, another; the generation is not part of it", () => {
    expect(renderSet(intent(), s).hash).toBe(set.hash);
    expect(renderSet(intent({ waf: { ...WAF, paranoia: 3 } }), s).hash).not.toBe(set.hash);
    const withGen = withGeneration(set, 7);
    expect(withGen["conf.d/generation.conf"]).toBe(`return 200 '{"generation":7,"hash":"${set.hash}"}\\n';\n`);
    expect(renderSet(intent(), s).hash).toBe(set.hash);
  });

  it("rate limiting: one zone per client address at http level, limit_req at server level of each site that inherits it, never the control listener", () => {
    expect(nginx).toContain("# Rate limiting is off.");
    expect(Object.values(set.files).join("\n")).not.toMatch(/limit_req/);

    const on = renderSet(
      intent({ sites: [...intent().sites.map((x) => (x.id === "api" ? { ...x, rateLimit: "off" as const } : x))], rateLimit: { ...RATE, enabled: true } }),
      s,
    );
    const conf = on.files["nginx.conf"]!;
    expect(conf).toContain(
      "\n    limit_req_zone $binary_remote_addr zone=warden_rate:10m rate=100r/m;\n    limit_req_status 429;\n    limit_req_log_level info;\n",
    );
    expect(conf.match(/limit_req /g)).toBeNull(); // no limit_req in nginx.conf: not the control listener, not unknown hosts
    const shop = on.files["conf.d/site-shop.conf"]!;
    expect(shop).toContain("\n    add_header X-Request-Id $request_id always;\n    limit_req zone=warden_rate burst=10 nodelay;\n");
    // At server level, outside any location: a location added later carries it too.
    expect(shop.indexOf("limit_req zone")).toBeLessThan(shop.indexOf("location /"));
    expect(on.files["conf.d/site-api.conf"]).toContain("# Rate limiting is off for this site.");
    expect(on.files["conf.d/site-api.conf"]).not.toContain("limit_req zone");
    expect(on.hash).not.toBe(set.hash);

    const perSecondDelayed = renderSet(intent({ rateLimit: { enabled: true, rate: 5, unit: "second", burst: 0, excess: "delay" } }), s);
    expect(perSecondDelayed.files["nginx.conf"]).toContain("limit_req_zone $binary_remote_addr zone=warden_rate:10m rate=5r/s;");
    expect(perSecondDelayed.files["conf.d/site-shop.conf"]).toContain("    limit_req zone=warden_rate;\n");
    const delayed = renderSet(intent({ rateLimit: { enabled: true, rate: 5, unit: "second", burst: 3, excess: "delay" } }), s);
    expect(delayed.files["conf.d/site-shop.conf"]).toContain("    limit_req zone=warden_rate burst=3;\n");
    expect(delayed.hash).not.toBe(perSecondDelayed.hash);
  });

  it("extension points: http-level lines and per-site lines and locations land where later layers need them", () => {
    const ext = {
      http: () => ["limit_req_zone $binary_remote_addr zone=warden_default:10m rate=5r/s;"],
      server: () => ["limit_req zone=warden_default burst=10 nodelay;"],
      locations: () => ["location = /__warden/probe {", "    return 204;", "}"],
    };
    const extended = renderSet(intent(), s, ext);
    expect(extended.files["nginx.conf"]).toContain("    limit_req_zone $binary_remote_addr zone=warden_default:10m rate=5r/s;\n");
    expect(extended.files["conf.d/site-shop.conf"]).toContain("    limit_req zone=warden_default burst=10 nodelay;\n");
    expect(extended.files["conf.d/site-shop.conf"]).toContain("    location = /__warden/probe {\n        return 204;\n    }\n");
    expect(extended.hash).not.toBe(set.hash);
  });

  it("trusted proxies: real_ip at http level from exactly the listed addresses; none listed, no forwarded header is believed", () => {
    expect(nginx).not.toMatch(/real_ip|set_real_ip_from/);
    expect(nginx).toContain("access_log logs/access.log combined buffer=32k flush=1s;");
    const behindProxies = renderSet(intent(), { ...s, trustedProxies: ["10.0.0.0/8", "2001:db8::/32", "127.0.0.1"] });
    const conf = behindProxies.files["nginx.conf"]!;
    expect(conf).toContain(
      "\n    set_real_ip_from 10.0.0.0/8;\n    set_real_ip_from 2001:db8::/32;\n    set_real_ip_from 127.0.0.1;\n" +
        "    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n",
    );
    // At http level, before any server block: every site and the unknown-host server see the client.
    expect(conf.indexOf("real_ip_header")).toBeLessThan(conf.indexOf("server {"));
    expect(conf.match(/real_ip_header/g)).toHaveLength(1);
    expect(behindProxies.hash).not.toBe(set.hash);
    expect(() => renderSet(intent(), { ...s, trustedProxies: ["10.0.0.1;include /etc/passwd"] })).toThrow(/refusing to render/);
  });
});
