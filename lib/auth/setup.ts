import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { advisoryLockSql } from "../advisory-locks";
import { dbProvider, type Db } from "../db";
import { DomainError, ValidationError } from "../errors";
import { fieldErrors } from "../security/input-schema";
import { ZSetupInput } from "./credentials-schema";
import { recordAuthEvent } from "./events";

export class SetupClosedError extends DomainError {
  constructor() {
    super("NOT_FOUND", "Setup is closed: an admin account already exists. Sign in instead.");
  }
}

export const placeholderEmail = (username: string) => `${username}@admin.warden.invalid`;

export async function adminExists(db: Db): Promise<boolean> {
  return (await db.user.count()) > 0;
}

/**
 * Creates the first admin, exactly once. The check "no admin yet" and the insert happen in one
 * transaction that first takes a write lock (SQLite: a write statement; PostgreSQL: an advisory lock),
 * so two concurrent submissions cannot both see an empty table.
 */
export async function createFirstAdmin(db: Db, input: unknown, client: { ip: string | null; userAgent: string | null }): Promise<{ username: string }> {
  const parsed = ZSetupInput.safeParse(input);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    throw new ValidationError(Object.values(fields)[0] ?? "Invalid setup request", fields);
  }
  const { username, password } = parsed.data;
  if (await adminExists(db)) throw new SetupClosedError();
  const hash = await hashPassword(password); // slow (scrypt): outside the transaction
  const provider = dbProvider(db);
  const userId = randomUUID();
  await db.$transaction(async (tx) => {
    if (provider === "sqlite") await tx.$executeRawUnsafe(`DELETE FROM "users" WHERE 0 = 1`);
    else await tx.$executeRawUnsafe(advisoryLockSql.xactLock("firstAdmin"));
    if ((await tx.user.count()) > 0) throw new SetupClosedError();
    const now = new Date();
    await tx.user.create({
      data: { id: userId, name: username, email: placeholderEmail(username), username, displayUsername: username, createdAt: now, updatedAt: now },
    });
    await tx.account.create({
      data: { id: randomUUID(), accountId: userId, providerId: "credential", userId, password: hash, createdAt: now, updatedAt: now },
    });
  });
  await recordAuthEvent(db, { username, event: "setup", ipAddress: client.ip, userAgent: client.userAgent, detail: "first admin created" });
  return { username };
}
