import { daysAgo, type Seed } from "../seed";

// Sign-in events carry the device cookie's id: a known browser, and a locked attempt from another.
export const seed: Seed = {
  auth_events: [
    {
      at: daysAgo(0.05),
      username: "ops",
      event: "login_succeeded",
      ip_address: "192.0.2.10",
      user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
      detail: null,
      device_id: "dev_3f9a1c",
    },
    {
      at: daysAgo(0.04),
      username: "ops",
      event: "login_locked",
      ip_address: "203.0.113.9",
      user_agent: "python-requests",
      detail: "account+address",
      device_id: null,
    },
  ],
};
