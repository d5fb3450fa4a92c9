import { ValidationError } from "../../errors";
import { SECURITY_SPEC } from "../../security/spec";
import { HOSTS_PER_SITE_MAX, MAX_BODY_BYTES, SITE_RATE_LIMIT_MODES, SITE_WAF_MODES, type SiteRateLimitMode, type SiteWafMode } from "../../sites/grammar";
import { checkHostname, checkRuleId, checkSiteId, checkUpstream, printable, type Checked, type Upstream } from "./edge-grammar";

// What the edge must serve: the sites, the WAF, the WAF's rule exclusions and the rate limit. The edge renders
// exactly this (render-nginx.ts, render-modsec.ts). validateEdgeIntent is the gate every intent
// passes before anything is written: a refused intent changes nothing on disk.

/** The WAF's modes and bounds are the panel's protection spec: what the form accepts, the edge renders. */
const WAF_FIELDS = SECURITY_SPEC.waf.fields;
const WAF_MODES = WAF_FIELDS.mode.options;
const RATE_FIELDS = SECURITY_SPEC.rate_limit.fields;

// A site's bounds are the sites grammar's (lib/sites/grammar.ts), the ones the form and the store apply.
export const DEFAULT_MAX_BODY_BYTES = MAX_BODY_BYTES.default;
export const MAX_SITES = 1000;
export const MAX_EXCLUSIONS = 10_000;

export interface EdgeSite {
  /** Stable id: names the site's file (conf.d/site-<id>.conf) and its upstream block. */
  id: string;
  /** Exact names or `*.example.com` wildcards, lower-case; unique across all sites. */
  hostnames: string[];
  /** `http(s)://host:port`. */
  upstream: string;
  /** https upstreams: verify the certificate against the system CAs, with SNI (default). */
  tlsVerify: boolean;
  enabled: boolean;
  /** `client_max_body_size`; a larger request body gets 413. */
  maxBodyBytes: number;
  /** `inherit`: the global WAF applies; `off`: never for this site (a site the CRS cannot serve). */
  waf: "inherit" | "off";
  /** `inherit`: the global rate limit applies; `off`: never limited at the edge. */
  rateLimit: SiteRateLimitMode;
}

export interface EdgeWaf {
  enabled: boolean;
  mode: (typeof WAF_MODES)[number];
  paranoia: number;
  inboundThreshold: number;
  outboundThreshold: number;
}

/** nginx's limit_req per client address; its bounds are the protection spec's. */
export interface EdgeRateLimit {
  enabled: boolean;
  rate: number;
  unit: (typeof RATE_FIELDS.unit.options)[number];
  /** Requests above the rate accepted in a burst; 0: none. */
  burst: number;
  /** `reject`: the burst is served at once (`nodelay`), past it 429; `delay`: the burst is slowed to the rate. */
  excess: (typeof RATE_FIELDS.excess.options)[number];
}

/** Removes one CRS rule for one site (the site's host names), never a copy of the rule set. */
export interface EdgeRuleExclusion {
  siteId: string;
  ruleId: number;
}

export interface EdgeIntent {
  sites: EdgeSite[];
  waf: EdgeWaf;
  exclusions: EdgeRuleExclusion[];
  rateLimit: EdgeRateLimit;
}

/** A site with its upstream parsed (what the renderer uses). */
export interface ResolvedSite extends EdgeSite {
  target: Upstream;
}

/** The sites nginx serves: enabled ones, with parsed upstreams. */
export function servedSites(intent: EdgeIntent): ResolvedSite[] {
  return intent.sites
    .filter((s) => s.enabled)
    .map((s) => {
      const target = checkUpstream(s.upstream);
      if (!target.ok) throw new Error(`site ${s.id}: ${target.reason} (validate the intent before rendering)`);
      return { ...s, target: target.value };
    });
}

/** True when the edge must run: at least one enabled site. */
export function edgeWanted(intent: EdgeIntent): boolean {
  return intent.sites.some((s) => s.enabled);
}

type Fields = Record<string, string>;

function boundedInt(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function validateSite(raw: unknown, index: number, fields: Fields, owners: Map<string, string>): EdgeSite | null {
  const at = `sites[${index}]`;
  if (typeof raw !== "object" || raw === null) {
    fields[at] = "must be a site";
    return null;
  }
  const r = raw as Record<string, unknown>;
  const id = checkSiteId(r.id);
  if (!id.ok) fields[`${at}.id`] = id.reason;
  const label = id.ok ? `site "${id.value}"` : `site ${index + 1}`;
  const note = <T>(field: string, checked: Checked<T>): T | null => {
    if (checked.ok) return checked.value;
    fields[`${at}.${field}`] = `${label}: ${checked.reason}`;
    return null;
  };

  const hostnames: string[] = [];
  if (!Array.isArray(r.hostnames) || r.hostnames.length === 0) {
    fields[`${at}.hostnames`] = `${label}: at least one host name is needed`;
  } else if (r.hostnames.length > HOSTS_PER_SITE_MAX) {
    fields[`${at}.hostnames`] = `${label}: at most ${HOSTS_PER_SITE_MAX} host names per site`;
  } else {
    r.hostnames.forEach((h, i) => {
      const name = note(`hostnames[${i}]`, checkHostname(h));
      if (name === null) return;
      const owner = owners.get(name);
      if (owner !== undefined) {
        fields[`${at}.hostnames[${i}]`] =
          owner === label ? `${label}: the host name ${name} is listed twice` : `${label}: the host name ${name} is already served by ${owner}`;
        return;
      }
      owners.set(name, label);
      hostnames.push(name);
    });
  }
  const upstream = note("upstream", checkUpstream(r.upstream));
  const tlsVerify = r.tlsVerify === undefined ? true : r.tlsVerify;
  if (typeof tlsVerify !== "boolean") fields[`${at}.tlsVerify`] = `${label}: TLS verification is on or off`;
  const enabled = r.enabled === undefined ? true : r.enabled;
  if (typeof enabled !== "boolean") fields[`${at}.enabled`] = `${label}: enabled is on or off`;
  const maxBodyBytes = r.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : r.maxBodyBytes;
  if (!boundedInt(maxBodyBytes, MAX_BODY_BYTES.min, MAX_BODY_BYTES.max)) {
    fields[`${at}.maxBodyBytes`] =
      `${label}: the maximum body size must be a whole number of bytes from ${MAX_BODY_BYTES.min} to ${MAX_BODY_BYTES.max} (1 GiB)`;
  }
  const waf = r.waf === undefined ? "inherit" : r.waf;
  if (!SITE_WAF_MODES.includes(waf as SiteWafMode)) fields[`${at}.waf`] = `${label}: the WAF setting is "inherit" or "off"`;
  const rateLimit = r.rateLimit === undefined ? "inherit" : r.rateLimit;
  if (!SITE_RATE_LIMIT_MODES.includes(rateLimit as SiteRateLimitMode)) fields[`${at}.rateLimit`] = `${label}: the rate limit setting is "inherit" or "off"`;
  if (!id.ok || upstream === null || hostnames.length === 0) return null;
  return {
    id: id.value,
    hostnames,
    upstream: `${upstream.scheme}://${upstream.host}:${upstream.port}`,
    tlsVerify: tlsVerify as boolean,
    enabled: enabled as boolean,
    maxBodyBytes: maxBodyBytes as number,
    waf: waf as "inherit" | "off",
    rateLimit: rateLimit as SiteRateLimitMode,
  };
}

function validateWaf(raw: unknown, fields: Fields): EdgeWaf | null {
  if (typeof raw !== "object" || raw === null) {
    fields.waf = "the WAF settings are missing";
    return null;
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.enabled !== "boolean") fields["waf.enabled"] = "the WAF is on or off";
  if (!WAF_MODES.includes(r.mode as EdgeWaf["mode"])) fields["waf.mode"] = `the WAF mode is ${WAF_MODES.join(" or ")}`;
  for (const key of ["paranoia", "inboundThreshold", "outboundThreshold"] as const) {
    const b = WAF_FIELDS[key];
    if (!boundedInt(r[key], b.min, b.max)) fields[`waf.${key}`] = `${b.label} must be a whole number from ${b.min} to ${b.max}`;
  }
  if (Object.keys(fields).some((f) => f.startsWith("waf"))) return null;
  return {
    enabled: r.enabled as boolean,
    mode: r.mode as EdgeWaf["mode"],
    paranoia: r.paranoia as number,
    inboundThreshold: r.inboundThreshold as number,
    outboundThreshold: r.outboundThreshold as number,
  };
}

function validateRateLimit(raw: unknown, fields: Fields): EdgeRateLimit | null {
  if (typeof raw !== "object" || raw === null) {
    fields.rateLimit = "the rate limit settings are missing";
    return null;
  }
  const r = raw as Record<string, unknown>;
  const problems = Object.keys(fields).length;
  if (typeof r.enabled !== "boolean") fields["rateLimit.enabled"] = "rate limiting is on or off";
  for (const key of ["rate", "burst"] as const) {
    const b = RATE_FIELDS[key];
    if (!boundedInt(r[key], b.min, b.max))
      fields[`rateLimit.${key}`] = `the rate limit's ${b.label.toLowerCase()} must be a whole number from ${b.min} to ${b.max}`;
  }
  const { unit, excess } = RATE_FIELDS;
  if (!unit.options.includes(r.unit as EdgeRateLimit["unit"])) fields["rateLimit.unit"] = `the rate limit is per ${unit.options.join(" or per ")}`;
  if (!excess.options.includes(r.excess as EdgeRateLimit["excess"])) fields["rateLimit.excess"] = `the rate limit's excess is ${excess.options.join(" or ")}`;
  if (Object.keys(fields).length > problems) return null;
  return {
    enabled: r.enabled as boolean,
    rate: r.rate as number,
    unit: r.unit as EdgeRateLimit["unit"],
    burst: r.burst as number,
    excess: r.excess as EdgeRateLimit["excess"],
  };
}

/**
 * The intent, normalised (host names lower-cased, upstream ports explicit, defaults filled in), or a
 * ValidationError naming every bad field. Host names are unique across sites; a rule exclusion names
 * an existing site and a numeric rule id.
 */
export function validateEdgeIntent(input: unknown): EdgeIntent {
  const fields: Fields = {};
  const r = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const rawSites = Array.isArray(r.sites) ? r.sites : null;
  if (rawSites === null) fields.sites = "the sites must be a list";
  else if (rawSites.length > MAX_SITES) fields.sites = `at most ${MAX_SITES} sites`;
  const owners = new Map<string, string>();
  const sites: EdgeSite[] = [];
  const ids = new Set<string>();
  (rawSites && rawSites.length <= MAX_SITES ? rawSites : []).forEach((raw, i) => {
    const site = validateSite(raw, i, fields, owners);
    if (!site) return;
    if (ids.has(site.id)) fields[`sites[${i}].id`] = `two sites have the id "${site.id}"`;
    ids.add(site.id);
    sites.push(site);
  });
  const waf = validateWaf(r.waf, fields);
  const rateLimit = validateRateLimit(r.rateLimit, fields);

  const exclusions: EdgeRuleExclusion[] = [];
  const rawExclusions = r.exclusions === undefined ? [] : r.exclusions;
  if (!Array.isArray(rawExclusions)) fields.exclusions = "the rule exclusions must be a list";
  else if (rawExclusions.length > MAX_EXCLUSIONS) fields.exclusions = `at most ${MAX_EXCLUSIONS} rule exclusions`;
  else {
    const seen = new Set<string>();
    rawExclusions.forEach((raw, i) => {
      const e = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
      const rule = checkRuleId(e.ruleId);
      if (!rule.ok) fields[`exclusions[${i}].ruleId`] = rule.reason;
      const siteId = typeof e.siteId === "string" ? e.siteId : "";
      if (!ids.has(siteId)) fields[`exclusions[${i}].siteId`] = `the rule exclusion names the site "${printable(siteId)}", which does not exist`;
      if (!rule.ok || !ids.has(siteId)) return;
      const key = `${siteId}/${rule.value}`;
      if (seen.has(key)) return; // the same exclusion twice excludes the rule once
      seen.add(key);
      exclusions.push({ siteId, ruleId: rule.value });
    });
  }

  const problems = Object.values(fields);
  if (problems.length > 0 || waf === null || rateLimit === null) {
    const first = problems[0] ?? "the protection settings are invalid";
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
    throw new ValidationError(`The edge configuration was refused, nothing was written: ${first}${more}.`, fields);
  }
  return { sites, waf, exclusions, rateLimit };
}
