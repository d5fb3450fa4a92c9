import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { advisoryLockSql } from "../advisory-locks";
import { dbProvider, type Db, type Tx } from "../db";
import { env } from "../env";
import { DomainError } from "../errors";
import { log } from "../log";
import { ensureDataDirectory, writePrivateFile } from "../private-files";
import { authSettings } from "./auth-settings";

// The first-run setup token (as Jenkins' initial admin password): while no admin exists, /setup
// needs it, so whoever reaches a fresh panel's port first does not become its admin. It is made once
// per database (under an advisory lock, so two replicas cannot both make one), kept in plain text in
// <WARDEN_DATA_DIR>/setup-token (0600) on the machine that made it, stored hashed in `setup_tokens`
// so any replica accepts it, printed at every boot until used, and removed (row and file) once the
// first admin exists. WARDEN_SETUP_TOKEN sets it for automated installs (then no file is written).

const TOKEN_ROW_ID = "first-admin";
export const SETUP_TOKEN_MIN_LENGTH = 20;

export class SetupTokenError extends DomainError {
  constructor() {
    super(
      "UNAUTHENTICATED",
      "This setup link is missing its token or the token is not valid. Use the link printed in the server's log (event setup_token) or the token in the setup-token file of its data directory.",
    );
  }
}

export const setupTokenFile = (): string => join(resolve(env().WARDEN_DATA_DIR), "setup-token");

const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");
/** What `setup_tokens.token_hash` holds for a token (tests seed rows with it). */
export const hashSetupToken = hashToken;

/** Where the token was made: shown to a replica that has no file, so the admin knows where to look. */
const thisPlace = (): string => `${hostname()}:${setupTokenFile()}`;

export function setupUrl(token: string | null): string {
  const base = (authSettings().publicUrl ?? `http://localhost:${env().PORT}`).replace(/\/+$/, "");
  return `${base}/setup?token=${token ?? "<WARDEN_SETUP_TOKEN>"}`;
}

async function lockSetup(tx: Tx, db: Db): Promise<void> {
  // SQLite: a write statement takes the database's write lock for the rest of the transaction.
  if (dbProvider(db) === "sqlite") await tx.$executeRawUnsafe(`DELETE FROM "setup_tokens" WHERE 0 = 1`);
  else await tx.$executeRawUnsafe(advisoryLockSql.xactLock("firstAdmin"));
}

function readTokenFile(): string | null {
  try {
    return readFileSync(setupTokenFile(), "utf8").trim() || null;
  } catch {
    return null;
  }
}

export type SetupTokenState = { kind: "admin-exists" } | { kind: "printed"; url: string; file: string | null } | { kind: "elsewhere"; createdOn: string };

/**
 * At boot (and on /setup when no token exists yet): while no admin exists, make sure a token exists,
 * and print the setup URL. Idempotent; safe to run from several replicas at once.
 */
export async function ensureSetupToken(db: Db): Promise<SetupTokenState> {
  // Validated by the environment schema (at least SETUP_TOKEN_MIN_LENGTH characters, trimmed).
  const fromEnv = env().WARDEN_SETUP_TOKEN ?? null;
  const onDisk = readTokenFile();
  const outcome = await db.$transaction(async (tx) => {
    await lockSetup(tx, db);
    if ((await tx.user.count()) > 0) {
      await tx.setupToken.deleteMany({});
      return { kind: "admin-exists" as const };
    }
    const row = await tx.setupToken.findUnique({ where: { id: TOKEN_ROW_ID } });
    if (fromEnv !== null) {
      if (row?.tokenHash !== hashToken(fromEnv)) {
        await tx.setupToken.upsert({
          where: { id: TOKEN_ROW_ID },
          create: { id: TOKEN_ROW_ID, tokenHash: hashToken(fromEnv), source: "environment", createdOn: thisPlace(), createdAt: new Date() },
          update: { tokenHash: hashToken(fromEnv), source: "environment", createdOn: thisPlace(), createdAt: new Date() },
        });
      }
      return { kind: "env" as const };
    }
    // The token this machine holds is still the valid one: print it again.
    if (row && onDisk !== null && matches(row.tokenHash, onDisk)) return { kind: "file" as const, token: onDisk };
    // Another machine made it (its file is there, not here): say where.
    if (row && row.createdOn !== thisPlace()) return { kind: "elsewhere" as const, createdOn: row.createdOn };
    // None yet, or this machine made it and lost its file: make a new one (the old one stops working).
    const token = randomBytes(32).toString("base64url");
    const data = { tokenHash: hashToken(token), source: "generated", createdOn: thisPlace(), createdAt: new Date() };
    await tx.setupToken.upsert({ where: { id: TOKEN_ROW_ID }, create: { id: TOKEN_ROW_ID, ...data }, update: data });
    // Written before the commit: a crash in between leaves a file whose token no row accepts, which the
    // next boot replaces, never a row whose token nobody can read.
    ensureDataDirectory(resolve(env().WARDEN_DATA_DIR));
    writePrivateFile(setupTokenFile(), token + "\n");
    return { kind: "file" as const, token, created: true, replaced: row !== null };
  });

  if (outcome.kind === "admin-exists") {
    removeTokenFile();
    return outcome;
  }
  if (outcome.kind === "elsewhere") {
    log.warn(
      { event: "setup_token_elsewhere", source: "lib/auth/setup-token", createdOn: outcome.createdOn },
      `No admin exists yet. The one-time setup token was created on ${outcome.createdOn}: open /setup?token=<that token> (also printed in that machine's log, event setup_token).`,
    );
    return outcome;
  }
  // A file left from before WARDEN_SETUP_TOKEN was set holds a token that no longer works.
  if (outcome.kind === "env") removeTokenFile();
  const url = setupUrl(outcome.kind === "env" ? null : outcome.token);
  const file = outcome.kind === "env" ? null : setupTokenFile();
  if (outcome.kind === "file" && "replaced" in outcome && outcome.replaced) {
    log.warn(
      { event: "setup_token_replaced", source: "lib/auth/setup-token", file },
      "the setup token file of this machine was missing or stale: a new token replaces the old one",
    );
  }
  log.info(
    { event: "setup_token", source: "lib/auth/setup-token", url, file, from: outcome.kind === "env" ? "WARDEN_SETUP_TOKEN" : "generated" },
    outcome.kind === "env"
      ? `No admin exists yet. Create the first one at ${url} (the token is the value of WARDEN_SETUP_TOKEN).`
      : `No admin exists yet. Create the first one at ${url} (the token is also in ${file}; it works once).`,
  );
  return { kind: "printed", url, file };
}

function matches(storedHash: string, token: string): boolean {
  const a = Buffer.from(storedHash, "hex");
  const b = Buffer.from(hashToken(token), "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `token` is the current setup token (read-only: for the /setup page). */
export async function setupTokenValid(db: Db, token: string | null | undefined): Promise<boolean> {
  if (!token || token.length > 512) return false;
  const row = await db.setupToken.findUnique({ where: { id: TOKEN_ROW_ID } });
  return row !== null && matches(row.tokenHash, token);
}

/**
 * Inside the transaction that creates the first admin, after its lock: the token must match, and is
 * spent (its row deleted) in that same transaction, so a token works exactly once.
 */
export async function consumeSetupToken(tx: Tx, token: string | null | undefined): Promise<void> {
  const row = await tx.setupToken.findUnique({ where: { id: TOKEN_ROW_ID } });
  if (!token || token.length > 512 || !row || !matches(row.tokenHash, token)) throw new SetupTokenError();
  await tx.setupToken.delete({ where: { id: TOKEN_ROW_ID } });
}

/** Once the first admin exists (from /setup or the CLI): the row is gone with its transaction; the file too. */
export function removeTokenFile(): void {
  const file = setupTokenFile();
  if (!existsSync(file)) return;
  rmSync(file, { force: true });
  log.info(
    { event: "setup_token_removed", source: "lib/auth/setup-token", file },
    "the setup token file was removed (the first admin exists, or WARDEN_SETUP_TOKEN replaces it)",
  );
}

/** Spends the token row without a token (the CLI creates the first admin on the server itself). */
export async function discardSetupToken(tx: Tx): Promise<void> {
  await tx.setupToken.deleteMany({});
}
