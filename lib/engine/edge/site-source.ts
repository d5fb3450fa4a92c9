import "server-only";
import type { Db } from "../../db";
import { listSites } from "../../sites/site-read";
import type { EdgeSitesSource } from "./driver";

// The sites and rule exclusions the edge serves, read from the panel's store when the edge is rendered
// or applied. The edge driver reads them after the security intent it was handed (its applier re-reads
// the latest one), inside the same apply: a site committed before that read is in what gets applied.

export function storedSites(db: Db): EdgeSitesSource {
  return async () => {
    const sites = await listSites(db);
    return {
      sites: sites.map((s) => ({
        id: String(s.id),
        hostnames: s.hosts,
        upstream: s.upstream,
        tlsVerify: s.tlsVerify,
        enabled: s.enabled,
        maxBodyBytes: s.maxBodyBytes,
        waf: s.waf,
        rateLimit: s.rateLimit,
      })),
      exclusions: sites.flatMap((s) => s.exclusions.map((e) => ({ siteId: String(s.id), ruleId: e.ruleId }))),
    };
  };
}
