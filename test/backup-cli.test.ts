import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { countRows, execSql } from "./support/db-snapshot";
import { dropTestDatabases, migratedDatabase, tempDir } from "./support/databases";
import { PROJECT_ROOT } from "./support/writer-process";

// The backup commands as run on the server: `backup`, `backup --list`, `restore <file>|--latest`,
// `migrate --dry-run --json`; exit 0 only on success, 2 for a wrong command line, 1 when refused.

afterAll(dropTestDatabases);

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/cli/main.ts", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, WARDEN_LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe.each(["sqlite", "postgresql"] as const)("backup CLI on %s", (provider) => {
  it("backup, list, dry run, restore --latest; usage errors exit 2; --latest without backups exits 1", async () => {
    const url = await migratedDatabase(provider);
    const env = { DATABASE_URL: url, WARDEN_DATA_DIR: tempDir() };
    await execSql(
      url,
      `INSERT INTO "settings" ("key", "value", "type", "category", "updated_at") VALUES ('k', 'v', 'string', 'test', '2026-12-01T00:00:00.000Z')`,
    );

    const none = await runCli(["restore", "--latest"], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/FAILED: there is no backup of a (SQLite|PostgreSQL) database in .*backups to restore/);

    for (const args of [
      ["restore"],
      ["restore", "a", "b"],
      ["restore", "--latest", "x"],
      ["backup", "--bogus"],
      ["migrate", "--dry-run", "--no-backup"],
      ["migrate", "--json"],
    ]) {
      const usage = await runCli(args, env);
      expect(usage.code, args.join(" ")).toBe(2);
      expect(usage.stderr, args.join(" ")).toMatch(/usage: npm run cli -- /);
    }

    const backup = await runCli(["backup"], env);
    expect(backup.code, backup.stderr).toBe(0);
    const path = /To restore it: npm run cli -- restore (\S+)/.exec(backup.stdout)![1]!;
    const list = await runCli(["backup", "--list", "--json"], env);
    expect(JSON.parse(list.stdout)).toMatchObject([{ path, provider, reason: "manual" }]);

    const dry = await runCli(["migrate", "--dry-run", "--json"], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ ok: true, steps: [], verdict: { status: "healthy" } });

    await execSql(url, `DELETE FROM "settings"`);
    const restore = await runCli(["restore", "--latest"], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`Restored ${path}`);
    expect(restore.stdout).toContain("WARNING: every session was ended (0)");
    expect(restore.stdout).toMatch(/Migration state now: Healthy: \d+ migrations applied, schema complete\./);
    expect(await countRows(url, "settings")).toBe(1);
  });
});
