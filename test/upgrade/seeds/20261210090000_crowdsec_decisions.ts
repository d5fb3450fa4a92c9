import { daysAgo, type Seed } from "../seed";

// CrowdSec decisions persisted by the leader: a scenario's ban the edge enforces, a captcha it cannot,
// and the blocklist state of that sync.
const synced = daysAgo(0.001);
export const seed: Seed = {
  crowdsec_decisions: [
    {
      id: 101,
      value: "203.0.113.7",
      scope: "Ip",
      type: "ban",
      origin: "crowdsec",
      scenario: "crowdsecurity/http-probing",
      expires_at: daysAgo(-0.2),
      enforced: true,
      not_enforced_reason: null,
      synced_at: synced,
    },
    {
      id: 102,
      value: "198.51.100.0/24",
      scope: "Range",
      type: "captcha",
      origin: "cscli",
      scenario: "manual 'captcha' from 'localhost'",
      expires_at: daysAgo(-1),
      enforced: false,
      not_enforced_reason: "captcha",
      synced_at: synced,
    },
  ],
  blocklist_state: [
    {
      id: 1,
      synced_at: synced,
      active_count: 2,
      enforced_count: 1,
      not_enforced_count: 1,
      stale_since: null,
      stale_reason: null,
      served_generation: 3,
      updated_at: synced,
    },
  ],
};
