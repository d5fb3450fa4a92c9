import "server-only";
import { randomUUID } from "node:crypto";
import { advisoryLockSql } from "../advisory-locks";
import { dbProvider, type Db, type Tx } from "../db";
import { DomainError, ValidationError } from "../errors";
import { fieldErrors } from "../security/spec/field-errors";
import { ZNewPassword, ZSetupInput, ZUsername } from "./credentials-schema";
import { recordAuthEvent } from "./auth-events";
import { consumeSetupToken, discardSetupToken, removeTokenFile, SetupTokenError } from "./setup-token";
import { hashPassword } from "./password-hash";

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
 * Serialises everything that may create an admin: the check "how many admins" and the insert happen
 * after this lock, in one transaction (SQLite: a write statement takes the write lock; PostgreSQL: an
 * advisory lock, since there is no row to lock yet).
 */
async function lockAdmins(tx: Tx, db: Db): Promise<void> {
  if (dbProvider(db) === "sqlite") await tx.$executeRawUnsafe(`DELETE FROM "users" WHERE 0 = 1`);
  else await tx.$executeRawUnsafe(advisoryLockSql.xactLock("firstAdmin"));
}

async function insertAdmin(tx: Tx, username: string, hash: string): Promise<void> {
  const userId = randomUUID();
  const now = new Date();
  await tx.user.create({
    data: { id: userId, name: username, email: placeholderEmail(username), username, displayUsername: username, createdAt: now, updatedAt: now },
  });
  await tx.account.create({
    data: { id: randomUUID(), accountId: userId, providerId: "credential", userId, password: hash, createdAt: now, updatedAt: now },
  });
}

/**
 * Creates the first admin from /setup, exactly once: the form must carry the one-time setup token,
 * which is spent in the same transaction (lib/auth/setup-token.ts). Concurrent submissions create one.
 */
export async function createFirstAdmin(db: Db, input: unknown, client: { ip: string | null; userAgent: string | null }): Promise<{ username: string }> {
  const parsed = ZSetupInput.safeParse(input);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    throw new ValidationError(Object.values(fields)[0] ?? "Invalid setup request", fields);
  }
  const { username, password, token } = parsed.data;
  if (await adminExists(db)) throw new SetupClosedError();
  const hash = await hashPassword(password); // slow (scrypt): outside the transaction
  try {
    await db.$transaction(async (tx) => {
      await lockAdmins(tx, db);
      if ((await tx.user.count()) > 0) throw new SetupClosedError();
      await consumeSetupToken(tx, token);
      await insertAdmin(tx, username, hash);
    });
  } catch (error) {
    if (error instanceof SetupTokenError) {
      await recordAuthEvent(db, {
        username,
        event: "setup_refused",
        ipAddress: client.ip,
        userAgent: client.userAgent,
        detail: token ? "wrong setup token" : "no setup token",
      });
    }
    throw error;
  }
  removeTokenFile();
  await recordAuthEvent(db, { username, event: "setup", ipAddress: client.ip, userAgent: client.userAgent, detail: "first admin created" });
  return { username };
}

export class AdminExistsError extends DomainError {
  constructor() {
    super("CONFLICT", "An admin already exists. To add another one, run the command again with --additional.");
  }
}

/**
 * `npm run cli -- create-admin <user>` on the server: headless provisioning. The first admin needs no
 * setup token (whoever runs this already controls the machine) and spends any that exists; further
 * admins only with `additional`. Audited like setup.
 */
export async function createAdminFromCli(
  db: Db,
  rawUsername: string,
  password: string,
  { additional = false } = {},
): Promise<{ username: string; first: boolean }> {
  const name = ZUsername.safeParse(rawUsername);
  if (!name.success) throw new ValidationError(name.error.issues[0]!.message, { username: name.error.issues[0]!.message });
  const checked = ZNewPassword.safeParse(password);
  if (!checked.success) throw new ValidationError(checked.error.issues[0]!.message, { password: checked.error.issues[0]!.message });
  const username = name.data;
  const hash = await hashPassword(password);
  const first = await db.$transaction(async (tx) => {
    await lockAdmins(tx, db);
    const admins = await tx.user.count();
    if (admins > 0 && !additional) throw new AdminExistsError();
    if (await tx.user.findUnique({ where: { username } }))
      throw new ValidationError(`The username "${username}" is taken.`, { username: "This username is taken" });
    if (admins === 0) await discardSetupToken(tx);
    await insertAdmin(tx, username, hash);
    return admins === 0;
  });
  if (first) removeTokenFile();
  await recordAuthEvent(db, {
    username,
    event: first ? "setup" : "admin_created",
    detail: first ? "first admin created by CLI" : "additional admin created by CLI",
  });
  return { username, first };
}
