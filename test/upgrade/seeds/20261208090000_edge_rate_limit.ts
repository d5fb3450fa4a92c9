import { daysAgo, type Seed } from "../seed";

// Rate limiting enforced at the edge: the first release's intent (300 requests per 60 s, burst 20) as
// the boot conversion left it (300 per minute, the burst raised to the 300 a window allowed at once),
// and a site the limit is off for.
export const seed: Seed = {
  security_configs: [{ id: 1, rate_limit_rate: 300, rate_limit_unit: "minute", rate_limit_burst: 300, rate_limit_excess: "reject" }],
  sites: [
    {
      id: 2,
      upstream: "http://127.0.0.1:9002",
      tls_verify: true,
      enabled: true,
      max_body_bytes: 10485760,
      waf: "inherit",
      rate_limit: "off",
      version: 1,
      changed_by: "admin",
      changed_at: daysAgo(0.01),
      created_at: daysAgo(0.01),
    },
  ],
  site_hosts: [{ host: "api.example.com", site_id: 2 }],
};
