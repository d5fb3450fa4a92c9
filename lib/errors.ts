// Typed domain errors. `expected` errors are the user's to fix and carry a message fit to show;
// unexpected ones are logged with a request id and shown generically.

export type ErrorCode =
  | "VALIDATION"
  | "MALFORMED"
  | "PAYLOAD_TOO_LARGE"
  | "CONFLICT"
  | "NOT_FOUND"
  | "UNAUTHENTICATED"
  | "PASSWORD_CHANGE_REQUIRED"
  | "RATE_LIMITED"
  | "SCHEMA_DEGRADED"
  | "ENGINE"
  | "NOT_INSTALLED"
  | "RUNTIME_FAILED"
  | "MIGRATION"
  // A ban that would block the admin's own address, a range holding it, or an address the panel needs:
  // refused unless confirmed (confirmSelfBlock).
  | "SELF_BLOCK"
  | "INTERNAL";

// Next.js bundles instrumentation and routes separately, so this module can exist twice in one
// process: `instanceof` fails across copies, the registered symbol does not.
const DOMAIN_ERROR = Symbol.for("warden.DomainError");

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly expected: boolean;
  readonly [DOMAIN_ERROR] = true;
  constructor(code: ErrorCode, message: string, expected = true) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.expected = expected;
  }
}

/** A well-formed request that breaks a rule (a bound, a required field). `fields` maps field → message. */
export class ValidationError extends DomainError {
  readonly fields: Record<string, string>;
  constructor(message: string, fields: Record<string, string> = {}) {
    super("VALIDATION", message);
    this.fields = fields;
  }
}

/** A request that is not of the expected shape at all (unknown protection, wrong types, too large). */
export class MalformedRequestError extends DomainError {
  readonly fields: Record<string, string>;
  constructor(message: string, fields: Record<string, string> = {}) {
    super("MALFORMED", message);
    this.fields = fields;
  }
}

export interface ConflictDetails {
  protection: string;
  expectedVersion: number;
  currentVersion: number;
  changedBy: string | null;
  changedAt: string | null;
}

/** The caller's expected version of a protection is stale: someone else changed it first. */
export class ConflictError extends DomainError {
  readonly details: ConflictDetails;
  constructor(message: string, details: ConflictDetails) {
    super("CONFLICT", message);
    this.details = details;
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[DOMAIN_ERROR] === true;
}

/** The schema is not fit to serve (pending, failed, modified or unknown migrations, missing tables). */
export class SchemaDegradedError extends DomainError {
  constructor(summary: string) {
    super("SCHEMA_DEGRADED", `The panel is in schema-degraded mode; nothing can be changed. ${summary}`);
  }
}

/** The request names something that does not exist (an unknown scenario). */
export class NotFoundError extends DomainError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
}

/** Too many failed attempts (sign-in throttle): refused at once, to be retried after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super("RATE_LIMITED", message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A backup, dry run or migration could not be done (tool missing, disk full, no CREATEDB): nothing was changed. */
export class MigrationSafetyError extends DomainError {
  constructor(message: string) {
    super("MIGRATION", message);
  }
}

/** A ban that would block the admin's own address or one the panel needs: confirm to ban anyway. */
export class SelfBlockError extends DomainError {
  constructor(message: string) {
    super("SELF_BLOCK", message);
  }
}
