import "server-only";
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Db } from "../db";
import { log } from "../log";
import { singleton } from "../process-registry";

// Password hashing for every place Warden stores or checks a password: better-auth's sign-in and
// password change (lib/auth/auth.ts hands it hashPassword/verifyPassword), first-run setup,
// `reset-password`, and the upgrade of old hashes at sign-in. Server code only (node:crypto and the
// database); the CLI and the benches load it with the react-server condition, like all of lib.
//
// Format (ADR 009): `$scrypt$v=1$ln=17,r=8,p=1$<salt>$<key>`, salt and key in unpadded base64, so a
// stored hash says how it was made and verification reads its parameters back (bounded, below).
// Rows written by better-auth's own scrypt (`<salt hex>:<key hex>`, N=2^14, r=16, p=1, 64-byte key,
// the hex text of the salt used as the salt) still verify, and are rewritten at the next successful
// sign-in (upgradePasswordHashOnSignIn). Passwords are NFKC-normalised first, as better-auth does, so
// a password that signed in before the upgrade signs in after it.

export interface ScryptParams {
  /** log2 of N (the CPU/memory cost). */
  ln: number;
  r: number;
  p: number;
}

/** OWASP's scrypt recommendation: N=2^17 (128 MiB with r=8), r=8, p=1. */
export const CURRENT_PARAMS: Readonly<ScryptParams> = Object.freeze({ ln: 17, r: 8, p: 1 });
const FORMAT_VERSION = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** better-auth 1.7's scrypt (@better-auth/utils/password): what rows written before ADR 009 hold. */
export const LEGACY_PARAMS: Readonly<ScryptParams> = Object.freeze({ ln: 14, r: 16, p: 1 });
/** 16-byte salt and 64-byte key, both as lowercase hex. */
const LEGACY_PATTERN = /^([0-9a-f]{32}):([0-9a-f]{128})$/;

// What a stored hash may ask for. A row is data, and data can be tampered with or corrupted: without
// bounds `ln=30` would ask for 128 GiB, `p=1000000` for hours of CPU. Twice today's cost is allowed
// (room for one raise of the parameters, and for rolling back after it); anything else is refused.
const BOUNDS = {
  ln: [10, 20],
  r: [1, 32],
  p: [1, 4],
  saltBytes: [16, 64],
  keyBytes: [16, 64],
  /** 128·N·r bytes: 256 MiB, twice the current 128 MiB. */
  memoryBytes: 256 * 1024 * 1024,
  /** N·r·p block mixes: twice the current 2^20. */
  work: 2 * 2 ** CURRENT_PARAMS.ln * CURRENT_PARAMS.r * CURRENT_PARAMS.p,
} as const;

/** A stored password hash that cannot be used: unknown format, or parameters outside the bounds. */
export class PasswordHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PasswordHashError";
  }
}

interface ParsedHash {
  kind: "scrypt-v1" | "legacy";
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const B64 = /^[A-Za-z0-9+/]+$/;
const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");

function decodeB64(text: string, what: string, [min, max]: readonly [number, number]): Buffer {
  const bytes = Buffer.from(text, "base64");
  if (!B64.test(text) || b64(bytes) !== text) throw new PasswordHashError(`Stored password hash is malformed: the ${what} is not unpadded base64`);
  if (bytes.length < min || bytes.length > max)
    throw new PasswordHashError(`Stored password hash is malformed: the ${what} is ${bytes.length} bytes (allowed ${min}–${max})`);
  return bytes;
}

function parseParams(text: string): ScryptParams {
  const match = /^ln=(\d{1,6}),r=(\d{1,6}),p=(\d{1,6})$/.exec(text);
  if (!match) throw new PasswordHashError("Stored password hash is malformed: expected parameters ln=<n>,r=<n>,p=<n>");
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  for (const name of ["ln", "r", "p"] as const) {
    const [min, max] = BOUNDS[name];
    if (params[name] < min || params[name] > max) {
      throw new PasswordHashError(`Stored password hash asks for scrypt ${name}=${params[name]}, outside the allowed ${min}–${max}`);
    }
  }
  const memory = 128 * 2 ** params.ln * params.r;
  if (memory > BOUNDS.memoryBytes) {
    throw new PasswordHashError(
      `Stored password hash asks for ${memory / 2 ** 20} MiB of scrypt memory (ln=${params.ln}, r=${params.r}), more than the allowed ${BOUNDS.memoryBytes / 2 ** 20} MiB`,
    );
  }
  if (2 ** params.ln * params.r * params.p > BOUNDS.work) {
    throw new PasswordHashError(`Stored password hash asks for more scrypt work (ln=${params.ln}, r=${params.r}, p=${params.p}) than twice the current cost`);
  }
  return params;
}

/** Reads a stored hash; throws PasswordHashError (never quoting the hash) when it cannot be used. */
function parseHash(stored: string): ParsedHash {
  if (typeof stored !== "string" || stored.length === 0) throw new PasswordHashError("Stored password hash is empty");
  if (stored.length > 512) throw new PasswordHashError(`Stored password hash is malformed: ${stored.length} characters`);
  const legacy = LEGACY_PATTERN.exec(stored);
  if (legacy) {
    // better-auth hashed with the salt's hex *text* as the salt, not its bytes.
    return { kind: "legacy", params: { ...LEGACY_PARAMS }, salt: Buffer.from(legacy[1]!, "utf8"), key: Buffer.from(legacy[2]!, "hex") };
  }
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "" || parts[1] !== "scrypt") {
    throw new PasswordHashError("Stored password hash is in an unknown format (expected $scrypt$v=1$… or better-auth's salt:key)");
  }
  if (parts[2] !== `v=${FORMAT_VERSION}`)
    throw new PasswordHashError(`Stored password hash has unsupported format version "${parts[2]!.slice(0, 16)}" (expected v=${FORMAT_VERSION})`);
  return {
    kind: "scrypt-v1",
    params: parseParams(parts[3]!),
    salt: decodeB64(parts[4]!, "salt", BOUNDS.saltBytes),
    key: decodeB64(parts[5]!, "key", BOUNDS.keyBytes),
  };
}

// ---------------------------------------------------------------------------------------------------
// Bounded concurrency. One scrypt at the current cost holds 128 MiB for its whole run, on one of
// libuv's threads (4 by default). Every scrypt this module starts first takes a slot from one
// process-wide semaphore, and gives it back only when scrypt has returned (its memory freed), so at
// most `bound` hashes are ever in flight: a burst of sign-ins queues here, in order, instead of taking
// 4 × 128 MiB and every thread of the pool (file system and DNS work share it). Waiting is part of the
// request's time; nothing sleeps. In the process registry: Next.js can load this module twice in one process
// (instrumentation and routes are bundled apart), and two semaphores would double the bound.

/**
 * Default bound: one per core, at most 4, and never all of libuv's threads (one stays free for the
 * file system and DNS). On this 2-core machine: 2, so at most 256 MiB of scrypt memory at a time.
 */
// UV_THREADPOOL_SIZE is libuv's own variable (not Warden configuration): read as libuv reads it.
// eslint-disable-next-line no-restricted-properties
export function defaultHashConcurrency(cores = availableParallelism(), threadpool = Number(process.env.UV_THREADPOOL_SIZE) || 4): number {
  return Math.max(1, Math.min(cores, 4, threadpool - 1));
}

class Semaphore {
  active = 0;
  peak = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly bound: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.bound) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}

function limiter(): Semaphore {
  return singleton("hash-limiter", () => new Semaphore(defaultHashConcurrency()));
}

/** The bound, and how many scrypt runs are in flight / queued / were ever in flight at once (tests, bench). */
export function hashingStats(): { bound: number; active: number; queued: number; peak: number } {
  const l = limiter();
  return { bound: l.bound, active: l.active, queued: l.queued, peak: l.peak };
}

/** Resets the high-water mark of hashingStats().peak (tests, bench). */
export function resetHashingPeak(): void {
  const l = limiter();
  l.peak = l.active;
}

function scryptKey(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // Node refuses a run needing more than `maxmem` (default 32 MiB, too little for 2^17 × 8): allow
  // exactly what OpenSSL's scrypt allocates (128·r·(N+2) + 128·r·p bytes) plus 1 MiB. The bounds on
  // stored parameters, not this, are what keep a tampered row from asking for more.
  const maxmem = 128 * params.r * (N + 2 + params.p) + 2 ** 20;
  return limiter().run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize("NFKC"), salt, keyBytes, { N, r: params.r, p: params.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
      }),
  );
}

const below = (params: ScryptParams) => params.ln < CURRENT_PARAMS.ln || params.r < CURRENT_PARAMS.r || params.p < CURRENT_PARAMS.p;

// ---------------------------------------------------------------------------------------------------

/** Hashes a password at the current parameters: `$scrypt$v=1$ln=17,r=8,p=1$<salt>$<key>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptKey(password, salt, CURRENT_PARAMS, KEY_BYTES);
  const { ln, r, p } = CURRENT_PARAMS;
  return `$scrypt$v=${FORMAT_VERSION}$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Checks a password against a stored hash of either format (constant-time comparison). A hash below
 * the current cost (a legacy row) also pays for one scrypt at the current cost, so that an account
 * not yet upgraded does not answer faster than an unknown user (whose sign-in hashes once at the
 * current cost). Throws PasswordHashError for a hash it cannot use: unknown format, or parameters
 * out of bounds (a tampered row must not make the server allocate gigabytes).
 */
export async function verifyPassword({ hash, password }: { hash: string; password: string }): Promise<boolean> {
  const parsed = parseHash(hash);
  const key = await scryptKey(password, parsed.salt, parsed.params, parsed.key.length);
  if (below(parsed.params)) await scryptKey(password, randomBytes(SALT_BYTES), CURRENT_PARAMS, KEY_BYTES);
  return timingSafeEqual(key, parsed.key);
}

/** True when a stored hash is older or cheaper than what hashPassword writes now (or unusable). */
export function needsRehash(stored: string): boolean {
  try {
    const parsed = parseHash(stored);
    return parsed.kind !== "scrypt-v1" || below(parsed.params) || parsed.key.length < KEY_BYTES;
  } catch {
    return true;
  }
}

/** Parameters of a stored hash, for logs: never the salt or key. */
export function describeHash(stored: string): string {
  try {
    const { kind, params } = parseHash(stored);
    return `${kind === "legacy" ? "better-auth scrypt" : "scrypt v1"} ln=${params.ln},r=${params.r},p=${params.p}`;
  } catch (error) {
    return error instanceof PasswordHashError ? "unusable" : "unknown";
  }
}

/**
 * After a successful sign-in (the plain password at hand, already verified): if the account's stored
 * hash is below the current parameters, hash the password again and store it. The update only applies
 * if the row still holds the hash that was verified, so a password changed meanwhile (reset-password,
 * another session) is never overwritten. Never fails the sign-in: a failure is logged and the old hash
 * keeps working until the next sign-in.
 */
export async function upgradePasswordHashOnSignIn(db: Db, username: string, password: string): Promise<void> {
  try {
    const user = await db.user.findUnique({ where: { username }, select: { id: true } });
    if (!user) return;
    const account = await db.account.findFirst({ where: { userId: user.id, providerId: "credential" }, select: { id: true, password: true } });
    if (!account?.password || !needsRehash(account.password)) return;
    const from = describeHash(account.password);
    const hash = await hashPassword(password);
    const { count } = await db.account.updateMany({ where: { id: account.id, password: account.password }, data: { password: hash, updatedAt: new Date() } });
    if (count === 1) log.info({ event: "password_rehashed", username, from, to: describeHash(hash) }, "password hash upgraded at sign-in");
    else log.info({ event: "password_rehash_skipped", username }, "password changed during sign-in; hash left as is");
  } catch (error) {
    log.warn(
      { event: "password_rehash_failed", username, err: error instanceof Error ? error.message : String(error) },
      "could not upgrade the password hash at sign-in",
    );
  }
}
