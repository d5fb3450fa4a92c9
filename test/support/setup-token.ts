import type { Db } from "../../lib/db";
import { hashSetupToken } from "../../lib/auth/setup-token";

// A first-run setup token stored as the panel stores it (hashed), for tests of setup itself. No vitest
// import: the setup-racer processes use it too.

export const TEST_SETUP_TOKEN = "test-setup-token-0123456789abcdef";

export async function seedSetupToken(db: Db, token: string = TEST_SETUP_TOKEN): Promise<string> {
  await db.setupToken.deleteMany({});
  await db.setupToken.create({ data: { id: "first-admin", tokenHash: hashSetupToken(token), source: "generated", createdOn: "test", createdAt: new Date() } });
  return token;
}
