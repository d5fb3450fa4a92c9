import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { describe, expect, it } from "vitest";

// The audit logs are append-only and each has one writer: `security_audits` only through lib/audit
// (inserts only), `auth_events` only through lib/auth/auth-events.ts. A new write anywhere else, or an
// UPDATE/DELETE of either table anywhere, fails here.

const ROOT = join(import.meta.dirname, "..", "..");
const SCANNED = ["app", "components", "lib"];
const SKIPPED = new Set(["node_modules", ".next", "__fixtures__", "generated"]);
const SOURCE = /\.(ts|tsx|mjs|js)$/;
const TEST = /\.test\.[cm]?[jt]sx?$/;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : sources(path);
    return SOURCE.test(entry.name) && !TEST.test(entry.name) ? [path.split(sep).join("/")] : [];
  });
}

interface Rule {
  what: string;
  pattern: RegExp;
  allowed: string[];
}

const RULES: Rule[] = [
  {
    what: "a Prisma write to security_audits",
    pattern: /\bsecurityAudit\s*\.\s*(create|createMany|createManyAndReturn|update|updateMany|upsert|delete|deleteMany)\b/,
    allowed: [],
  },
  { what: "an SQL insert into security_audits", pattern: /INSERT\s+INTO\s+"?security_audits"?/i, allowed: ["lib/audit/append.ts"] },
  { what: "an SQL update or delete of security_audits", pattern: /(UPDATE|DELETE\s+FROM)\s+"?security_audits"?/i, allowed: [] },
  { what: "a Prisma insert into auth_events", pattern: /\bauthEvent\s*\.\s*(create|createMany|createManyAndReturn)\b/, allowed: ["lib/auth/auth-events.ts"] },
  { what: "a Prisma update or delete of auth_events", pattern: /\bauthEvent\s*\.\s*(update|updateMany|upsert|delete|deleteMany)\b/, allowed: [] },
  { what: "an SQL write to auth_events", pattern: /(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?auth_events"?/i, allowed: [] },
];

const FILES = SCANNED.flatMap(sources);

describe("the audit logs have one writer each and are never rewritten", () => {
  it("scans the panel's sources", () => {
    expect(FILES).toContain("lib/audit/append.ts");
    expect(FILES).toContain("lib/auth/auth-events.ts");
  });

  for (const rule of RULES) {
    it(`${rule.what}: only in ${rule.allowed.join(", ") || "no file"}`, () => {
      const found = FILES.filter((file) => rule.pattern.test(readFileSync(join(ROOT, file), "utf8")));
      expect(found).toEqual(rule.allowed);
    });
  }

  it("the patterns catch what they forbid", () => {
    const samples: Record<string, string> = {
      "a Prisma write to security_audits": "await db.securityAudit.create({ data })",
      "an SQL insert into security_audits": 'INSERT INTO "security_audits" ("at") VALUES (1)',
      "an SQL update or delete of security_audits": 'UPDATE "security_audits" SET "runtime_result" = 1',
      "a Prisma insert into auth_events": "tx.authEvent.createMany({ data })",
      "a Prisma update or delete of auth_events": "db.authEvent.deleteMany({})",
      "an SQL write to auth_events": 'DELETE FROM "auth_events"',
    };
    for (const rule of RULES) expect(rule.pattern.test(samples[rule.what]!), rule.what).toBe(true);
  });
});
