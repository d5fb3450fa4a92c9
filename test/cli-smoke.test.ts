import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { migrationsDir, readMigrationFolder } from "../lib/migrations/folder";
import { dropTestDatabases, emptyDatabase, tempDir } from "./support/databases";
import { PROJECT_ROOT } from "./support/writer-process";

// The CLI as an operator runs it: `npm run cli -- <command>`, through the package.json script (so
// with the conditions that script gives Node: lib modules import "server-only", which throws
// outside the react-server condition). A fresh database: status says what to run, migrate creates
// the schema, status is then healthy, and a second migrate has nothing to do.

afterAll(dropTestDatabases);

function npmCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("npm", ["run", "--silent", "cli", "--", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, WARDEN_LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(["sqlite", "postgresql"] as const)("npm run cli on a fresh %s database", (provider) => {
  it("status points at migrate; migrate applies every migration; status is then healthy; migrate again changes nothing", async () => {
    const env = { DATABASE_URL: await emptyDatabase(provider), WARDEN_DATA_DIR: tempDir() };
    const names = readMigrationFolder(migrationsDir(provider, PROJECT_ROOT)).map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);

    const before = await npmCli(["status"], env);
    expect(before.code, before.stderr).toBe(1);
    expect(before.stdout).toMatch(
      provider === "sqlite" ? /^Degraded: database unusable: the file does not exist yet/m : /^Pending: \d+ migrations not applied/m,
    );
    expect(before.stdout).toMatch(/To fix it, run:\n {2}npm run cli -- migrate\n/);

    const migrate = await npmCli(["migrate"], env);
    expect(migrate.code, migrate.stderr).toBe(0);
    for (const name of names) expect(migrate.stdout).toMatch(new RegExp(`applying ${name} … done \\(\\d+ ms\\)`));
    expect(migrate.stdout).toContain("no backup: a fresh database has nothing to lose");
    expect(migrate.stdout).toContain(`Applied ${names.length} migrations; 0 were already applied.`);
    expect(migrate.stderr).toBe("");

    const after = await npmCli(["status"], env);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain(`Healthy: ${names.length} migrations applied, schema complete.`);
    for (const name of names) expect(after.stdout).toMatch(new RegExp(`^${name} +applied `, "m"));
    expect(after.stderr).toBe("");

    const again = await npmCli(["migrate"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Database is up to date: ${names.length} migrations already applied, none pending.`);
    expect(again.stdout).not.toContain("applying");

    const json = await npmCli(["status", "--json"], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "healthy", provider, database: { reachable: true } });
  });
});
