import path from "node:path";
import { barePath, regexLiteral } from "./edge-grammar";
import type { EdgeIntent, EdgeSite, EdgeWaf } from "./edge-intent";
import { edgePaths, type EdgeRuntimeSettings } from "./settings";

// ModSecurity v3 + OWASP CRS 3.3.4 files of the edge (modsec/*.conf). The instance reads neither
// Debian's /etc/nginx/modsecurity.conf (its audit log and temp files are outside the instance) nor
// /etc/modsecurity/crs/crs-setup.conf (a conffile the host's admin may edit): main.conf carries the
// recommended settings with instance paths, and the only live lines of crs-setup. The rules are
// loaded once, at nginx's http level; a site with the WAF off turns the module off in its server.

/** Rule ids of the exclusion rules: one per site that has exclusions (outside CRS's ranges). */
export const EXCLUSION_RULE_ID_BASE = 10_001;

export const ENGINE_FOR_MODE = { block: "On", detect: "DetectionOnly" } as const;

function mainConf(s: EdgeRuntimeSettings): string {
  const p = edgePaths(s);
  const file = (name: string) => barePath(path.join(p.modsec, name));
  return `# Written by Warden: ModSecurity v3 settings for this instance; edits are overwritten.
Include ${file("engine.conf")}
SecRequestBodyAccess On
SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\\+|/)|text/)xml" \\
     "id:'200000',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "^application/json" \\
     "id:'200001',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
# The first 12.5 MB of a body are inspected; the site's maximum body size (nginx) refuses larger ones.
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecRequestBodyLimitAction ProcessPartial
SecRequestBodyJsonDepthLimit 512
SecArgumentsLimit 1000
SecRule &ARGS "@ge 1000" \\
    "id:'200007',phase:2,t:none,log,deny,status:400,msg:'Failed to fully parse request body due to large argument count',severity:2"
SecRule REQBODY_ERROR "!@eq 0" \\
    "id:'200002',phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.',logdata:'%{reqbody_error_msg}',severity:2"
SecRule MULTIPART_STRICT_ERROR "!@eq 0" \\
    "id:'200003',phase:2,t:none,log,deny,status:400,msg:'Multipart request body failed strict validation'"
SecRule MULTIPART_UNMATCHED_BOUNDARY "@eq 1" \\
    "id:'200004',phase:2,t:none,log,deny,msg:'Multipart parser detected a possible unmatched boundary.'"
SecPcreMatchLimit 1000
SecPcreMatchLimitRecursion 1000
SecRule TX:/^MSC_/ "!@streq 0" \\
    "id:'200005',phase:2,t:none,deny,msg:'ModSecurity internal error flagged: %{MATCHED_VAR_NAME}'"
SecResponseBodyAccess Off
SecTmpDir ${barePath(p.modsecTmp + "/")}
SecDataDir ${barePath(p.modsecData + "/")}
# JSON audit log: the WAF events. 404 and 429 are not worth an entry (scanners, rate limits).
# Parts: A header, B request headers, F response headers, H rule messages, Z end; no request or
# response body (they may hold credentials).
SecAuditEngine RelevantOnly
SecAuditLogRelevantStatus "^(?:5|4(?!04|29))"
SecAuditLogParts ABFHZ
SecAuditLogType Serial
SecAuditLogFormat JSON
SecAuditLog ${barePath(p.auditLog)}
SecArgumentSeparator &
SecCookieFormat 0
SecUnicodeMapFile ${barePath(s.unicodeMap)} 20127
SecStatusEngine Off

# OWASP CRS 3.3.4: the live lines of crs-setup.conf, the tuning, the exclusions, then the rules.
SecDefaultAction "phase:1,log,auditlog,pass"
SecDefaultAction "phase:2,log,auditlog,pass"
SecAction "id:900990,phase:1,nolog,pass,t:none,setvar:tx.crs_setup_version=334"
Include ${file("tuning.conf")}
Include ${file("exclusions.conf")}
Include ${barePath(path.join(s.crsRulesDir, "*.conf"))}
`;
}

function engineConf(waf: EdgeWaf): string {
  return `# Written by Warden: the WAF mode (${waf.mode}).\nSecRuleEngine ${ENGINE_FOR_MODE[waf.mode]}\n`;
}

function tuningConf(waf: EdgeWaf): string {
  const n = (v: number) => {
    if (!Number.isInteger(v)) throw new Error(`refusing to render the non-integer ${v}`);
    return String(v);
  };
  return `# Written by Warden: OWASP CRS tuning (ids 900000-900999 are CRS's setup range).
SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=${n(waf.paranoia)}"
SecAction "id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=${n(waf.inboundThreshold)},setvar:tx.outbound_anomaly_score_threshold=${n(waf.outboundThreshold)}"
`;
}

/** nginx's server_name semantics as a regex body: `*.example.com` is any name ending in `.example.com`. */
function hostPattern(name: string): string {
  return name.startsWith("*.") ? `(?:[a-z0-9-]+\\.)+${regexLiteral(name.slice(2))}` : regexLiteral(name);
}

/** A Host header naming one of these (any case, an optional trailing dot and port). */
function hostRegex(names: string[]): string {
  return `^(?:${names.map(hostPattern).join("|")})\\.?(?::[0-9]+)?$`;
}

/**
 * Names of other sites that nginx routes away from `site` although one of its wildcards matches them:
 * an exact name always wins, and among wildcards the longest one does.
 */
function takenFrom(site: EdgeSite, sites: EdgeSite[]): string[] {
  const suffixes = site.hostnames.filter((h) => h.startsWith("*.")).map((h) => h.slice(1)); // ".example.com"
  if (suffixes.length === 0) return [];
  const taken: string[] = [];
  for (const other of sites) {
    if (other.id === site.id) continue;
    for (const name of other.hostnames) {
      const tail = name.startsWith("*.") ? name.slice(1) : `.${name}`;
      if (suffixes.some((suffix) => tail.endsWith(suffix) && tail.length > suffix.length)) taken.push(name);
    }
  }
  return taken;
}

/**
 * One rules file for every site's exclusions: per site, one rule keyed on the Host header (the
 * site's own names, minus names another site owns in nginx's routing) that removes the excluded
 * rule ids for that request with `ctl:ruleRemoveById`. nginx refuses a request whose Host header
 * names another host than the one it routed by (the absolute-form request line), so the Host header
 * is the site nginx chose. Never a per-site copy of the rule set.
 */
function exclusionsConf(intent: EdgeIntent): string {
  const lines = ["# Written by Warden: rule exclusions per site (Host-keyed ctl:ruleRemoveById), before the CRS rules."];
  const sites = intent.sites.filter((s) => s.enabled).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  sites.forEach((site, index) => {
    const ids = [...new Set(intent.exclusions.filter((e) => e.siteId === site.id).map((e) => e.ruleId))].sort((a, b) => a - b);
    if (ids.length === 0) return;
    for (const id of ids) if (!Number.isInteger(id) || id < 1) throw new Error(`refusing to render the rule id ${id}`);
    const ctl = ids.map((id) => `ctl:ruleRemoveById=${id}`).join(",");
    const ruleId = EXCLUSION_RULE_ID_BASE + index;
    const taken = takenFrom(site, sites);
    lines.push(`# site ${site.id}: ${ids.join(", ")}`);
    if (taken.length === 0) {
      lines.push(`SecRule REQUEST_HEADERS:Host "@rx ${hostRegex(site.hostnames)}" "id:${ruleId},phase:1,pass,nolog,t:none,t:lowercase,${ctl}"`);
    } else {
      lines.push(`SecRule REQUEST_HEADERS:Host "@rx ${hostRegex(site.hostnames)}" "id:${ruleId},phase:1,pass,nolog,t:none,t:lowercase,chain"`);
      lines.push(`    SecRule REQUEST_HEADERS:Host "!@rx ${hostRegex(taken)}" "t:none,t:lowercase,${ctl}"`);
    }
  });
  return `${lines.join("\n")}\n`;
}

/** The modsec/ files, keyed by their path relative to the instance. */
export function renderModsecFiles(intent: EdgeIntent, s: EdgeRuntimeSettings): Record<string, string> {
  return {
    "modsec/main.conf": mainConf(s),
    "modsec/engine.conf": engineConf(intent.waf),
    "modsec/tuning.conf": tuningConf(intent.waf),
    "modsec/exclusions.conf": exclusionsConf(intent),
  };
}
