import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// One write path (docs/decisions/002): only lib/security writes SecurityConfig or the security.*
// settings. A second writer is how a switch comes to show on while the engine is off; this test fails
// the day one is added.

const ROOT = join(import.meta.dirname, "..");
const SCANNED = ["app", "components", "lib", "instrumentation.ts", "instrumentation-node.ts"];
const SKIP = /(^|\/)(generated|node_modules)(\/|$)|\.test\.tsx?$/;
const WRITES = [
  /securityConfig\s*\.\s*(create|createMany|update|updateMany|upsert|delete|deleteMany)\b/,
  /\bsetting\s*\.\s*(create|createMany|update|updateMany|upsert|delete|deleteMany)\b/,
  /(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(security_configs|settings)"?/i,
];

function sourceFiles(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((name) => sourceFiles(join(path, name)));
}

describe("security intent has one write path", () => {
  const files = SCANNED.flatMap(sourceFiles).filter((f) => /\.(ts|tsx)$/.test(f) && !SKIP.test(f));

  it("scans the application's source", () => {
    expect(files).toContain("lib/security/intent-store.ts");
    expect(files.length).toBeGreaterThan(20);
  });

  it("finds writes to security_configs and settings only in lib/security", () => {
    const offenders = files
      .filter((f) => !f.startsWith("lib/security/"))
      .filter((f) => WRITES.some((re) => re.test(readFileSync(join(ROOT, f), "utf8"))))
      .map((f) => relative(ROOT, join(ROOT, f)));
    expect(offenders).toEqual([]);
  });

  it("would notice a writer (the pattern matches the real write path)", () => {
    const store = readFileSync(join(ROOT, "lib/security/config-sql.ts"), "utf8");
    expect(WRITES.some((re) => re.test(store))).toBe(true);
  });
});
