import { daysAgo, type Seed } from "../seed";

// A change's runtime result as its own row, linked to the change by change_id: the rate-limit toggle
// of the init seed (its 5th audit row, id 5 on a fresh database) and what the runtime did with it.
export const seed: Seed = {
  security_audits: [
    {
      at: daysAgo(3.9),
      actor: "system",
      action: "runtime_result",
      protection: "rate_limit",
      before: null,
      after: null,
      outcome: "not_managed",
      error: null,
      request_id: "req-64",
      config_version: null,
      runtime_result: '{"status":"not_managed","version":1,"reason":"Intent only: no runtime enforces rate limiting yet."}',
      change_id: 5,
    },
  ],
};
