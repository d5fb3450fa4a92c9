import "server-only";
import type { Db, Tx } from "../db";
import type { SiteRateLimitMode, SiteWafMode } from "./grammar";

// Sites as the panel and the edge's renderer read them: host names sorted (the first is the site's name
// on screen), exclusions by rule id.

export interface WafExclusionRecord {
  ruleId: number;
  reason: string | null;
  createdBy: string;
  createdAt: string;
}

export interface SiteRecord {
  id: number;
  hosts: string[];
  upstream: string;
  tlsVerify: boolean;
  enabled: boolean;
  maxBodyBytes: number;
  waf: SiteWafMode;
  rateLimit: SiteRateLimitMode;
  version: number;
  changedBy: string | null;
  changedAt: string | null;
  exclusions: WafExclusionRecord[];
}

const INCLUDE = { hosts: true, wafExclusions: { orderBy: { ruleId: "asc" } } } as const;

type Row = {
  id: number;
  upstream: string;
  tlsVerify: boolean;
  enabled: boolean;
  maxBodyBytes: number;
  waf: string;
  rateLimit: string;
  version: number;
  changedBy: string | null;
  changedAt: Date | null;
  hosts: { host: string }[];
  wafExclusions: { ruleId: number; reason: string | null; createdBy: string; createdAt: Date }[];
};

function toRecord(row: Row): SiteRecord {
  return {
    id: row.id,
    hosts: row.hosts.map((h) => h.host).sort(hostOrder),
    upstream: row.upstream,
    tlsVerify: row.tlsVerify,
    enabled: row.enabled,
    maxBodyBytes: row.maxBodyBytes,
    waf: row.waf === "off" ? "off" : "inherit",
    rateLimit: row.rateLimit === "off" ? "off" : "inherit",
    version: row.version,
    changedBy: row.changedBy,
    changedAt: row.changedAt?.toISOString() ?? null,
    exclusions: row.wafExclusions.map((e) => ({ ruleId: e.ruleId, reason: e.reason, createdBy: e.createdBy, createdAt: e.createdAt.toISOString() })),
  };
}

/** Exact names before wildcards, then alphabetical: the name an admin recognises comes first. */
function hostOrder(a: string, b: string): number {
  const wa = a.startsWith("*.") ? 1 : 0;
  const wb = b.startsWith("*.") ? 1 : 0;
  return wa - wb || a.localeCompare(b);
}

export async function readSite(client: Db | Tx, id: number): Promise<SiteRecord | null> {
  const row = await client.site.findUnique({ where: { id }, include: INCLUDE });
  return row ? toRecord(row) : null;
}

/** Every site, oldest first (the order the edge renders them in, so the rendered set is stable). */
export async function listSites(client: Db | Tx): Promise<SiteRecord[]> {
  const rows = await client.site.findMany({ orderBy: { id: "asc" }, include: INCLUDE });
  return rows.map(toRecord);
}
