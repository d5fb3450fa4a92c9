import { daysAgo, type Seed } from "../seed";

// Drift detection: scenario intent adopted from the runtime, one switched off, and a snapshot per surface.
export const seed: Seed = {
  scenario_intents: [
    { name: "crowdsecurity/ssh-bf", enabled: false, version: 2, changed_by: "ops", changed_at: daysAgo(0.4) },
    { name: "crowdsecurity/http-probing", enabled: true, version: 1, changed_by: null, changed_at: null },
    { name: "crowdsecurity/http-crawl-non_statics", enabled: true, version: 1, changed_by: null, changed_at: null },
  ],
  drift_snapshots: [
    {
      surface: "engine",
      status: "in_sync",
      expected: '{"running":false}',
      actual: '{"running":false}',
      differences: "[]",
      reason: null,
      since: null,
      checked_at: daysAgo(0.01),
    },
    {
      surface: "scenarios",
      status: "drift",
      expected: '{"disabled":["crowdsecurity/ssh-bf"]}',
      actual: '{"enabled":["crowdsecurity/ssh-bf"]}',
      differences: '[{"scenario":"crowdsecurity/ssh-bf","panel":"disabled","runtime":"enabled"}]',
      reason: null,
      since: daysAgo(0.3),
      checked_at: daysAgo(0.01),
    },
    {
      surface: "appsec",
      status: "cannot_verify",
      expected: null,
      actual: null,
      differences: "[]",
      reason: "tuning file missing",
      since: daysAgo(0.3),
      checked_at: daysAgo(0.01),
    },
    { surface: "store", status: "in_sync", expected: null, actual: null, differences: "[]", reason: null, since: null, checked_at: daysAgo(0.01) },
  ],
};
