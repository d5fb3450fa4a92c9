import "server-only";
import { randomBytes } from "node:crypto";
import type { Db } from "../db";
import { ValidationError } from "../errors";
import { ZNewPassword, ZUsername } from "./credentials-schema";
import { recordAuthEvent } from "./auth-events";
import { plural } from "../plural";
import { hashPassword } from "./password-hash";

/** A one-time password: 20 characters from an unambiguous alphabet (~115 bits). */
export function generateOneTimePassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join("");
}

/**
 * The forgotten-password path, run on the server by `npm run cli -- reset-password <user>`: sets a new
 * password, marks the account so the admin must choose another at next sign-in, and ends every session.
 */
export async function resetPassword(db: Db, rawUsername: string, password: string): Promise<{ username: string; sessionsEnded: number }> {
  const username = ZUsername.safeParse(rawUsername);
  if (!username.success) throw new ValidationError(username.error.issues[0]!.message);
  const checked = ZNewPassword.safeParse(password);
  if (!checked.success) throw new ValidationError(checked.error.issues[0]!.message);
  const user = await db.user.findUnique({ where: { username: username.data } });
  if (!user) throw new ValidationError(`No admin named "${username.data}"`);
  const hash = await hashPassword(password);
  const sessionsEnded = await db.$transaction(async (tx) => {
    const accounts = await tx.account.updateMany({ where: { userId: user.id, providerId: "credential" }, data: { password: hash } });
    if (accounts.count === 0) {
      await tx.account.create({
        data: { id: crypto.randomUUID(), accountId: user.id, providerId: "credential", userId: user.id, password: hash },
      });
    }
    await tx.user.update({ where: { id: user.id }, data: { mustChangePassword: true } });
    return (await tx.session.deleteMany({ where: { userId: user.id } })).count;
  });
  await recordAuthEvent(db, { username: username.data, event: "password_reset", detail: `by CLI; ${plural(sessionsEnded, "session")} ended` });
  return { username: username.data, sessionsEnded };
}
