import { daysAgo, type Seed } from "../seed";

// A site behind the edge with two host names and one WAF rule excluded for it (rows in all three tables,
// so an upgrade past a later migration must keep the hosts and the exclusion attached to their site).
export const seed: Seed = {
  sites: [
    {
      id: 1,
      upstream: "http://127.0.0.1:9001",
      tls_verify: true,
      enabled: true,
      max_body_bytes: 10485760,
      waf: "inherit",
      version: 1,
      changed_by: "admin",
      changed_at: daysAgo(0.1),
      created_at: daysAgo(0.1),
    },
  ],
  site_hosts: [
    { host: "app.example.com", site_id: 1 },
    { host: "*.app.example.com", site_id: 1 },
  ],
  waf_exclusions: [{ site_id: 1, rule_id: 941100, reason: "rich-text editor posts HTML", created_by: "admin", created_at: daysAgo(0.05) }],
};
