import { daysAgo, type Seed } from "../seed";

// Authentication: two admins (one still on a one-time password), their credentials, live sessions,
// and the sign-in history.
const HASH = "$scrypt$v=1$ln=17,r=8,p=1$c2VlZHNhbHRzZWVkc2FsdA$0ZbU9Zl7r5i5H5cW7p8y3q1w2e3r4t5y6u7i8o9p0aA";

export const seed: Seed = {
  users: [
    {
      id: "usr_ops",
      name: "ops",
      email: "ops@warden.invalid",
      email_verified: false,
      image: null,
      username: "ops",
      display_username: "ops",
      must_change_password: false,
      created_at: daysAgo(3),
      updated_at: daysAgo(3),
    },
    {
      id: "usr_oncall",
      name: "oncall",
      email: "oncall@warden.invalid",
      email_verified: false,
      image: null,
      username: "oncall",
      display_username: "oncall",
      must_change_password: true,
      created_at: daysAgo(2),
      updated_at: daysAgo(1),
    },
  ],
  accounts: [
    { id: "acc_ops", account_id: "usr_ops", provider_id: "credential", user_id: "usr_ops", password: HASH, created_at: daysAgo(3), updated_at: daysAgo(3) },
    {
      id: "acc_oncall",
      account_id: "usr_oncall",
      provider_id: "credential",
      user_id: "usr_oncall",
      password: HASH,
      created_at: daysAgo(2),
      updated_at: daysAgo(1),
    },
  ],
  sessions: [
    {
      id: "ses_1",
      expires_at: daysAgo(-1),
      token: "tok_seed_1",
      created_at: daysAgo(0.5),
      updated_at: daysAgo(0.1),
      ip_address: "192.0.2.10",
      user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
      user_id: "usr_ops",
    },
    {
      id: "ses_2",
      expires_at: daysAgo(-0.5),
      token: "tok_seed_2",
      created_at: daysAgo(0.2),
      updated_at: daysAgo(0.2),
      ip_address: "198.51.100.7",
      user_agent: "Mozilla/5.0 (iPhone)",
      user_id: "usr_oncall",
    },
  ],
  verifications: [{ id: "ver_1", identifier: "reset:usr_oncall", value: "one-time", expires_at: daysAgo(-1), created_at: daysAgo(1), updated_at: daysAgo(1) }],
  auth_events: [
    { at: daysAgo(3), username: "ops", event: "admin_created", ip_address: "192.0.2.10", user_agent: "curl/8", detail: "first admin (setup)" },
    { at: daysAgo(1), username: "ops", event: "login_failed", ip_address: "203.0.113.9", user_agent: "python-requests", detail: "wrong password" },
    { at: daysAgo(0.5), username: "ops", event: "login_succeeded", ip_address: "192.0.2.10", user_agent: "Mozilla/5.0 (X11; Linux x86_64)", detail: null },
    { at: daysAgo(1), username: "oncall", event: "password_reset", ip_address: null, user_agent: null, detail: "cli" },
  ],
};
