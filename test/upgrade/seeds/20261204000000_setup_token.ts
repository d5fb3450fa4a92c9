import { daysAgo, type Seed } from "../seed";

// The first-run setup token, stored hashed (an install upgraded before its first admin signed up).
export const seed: Seed = {
  setup_tokens: [
    {
      id: "setup",
      token_hash: "9f2c5a0e8b7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d",
      source: "generated",
      created_on: "warden-1",
      created_at: daysAgo(0.2),
    },
  ],
};
