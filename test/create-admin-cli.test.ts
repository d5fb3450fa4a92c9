import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureSetupToken } from "../lib/auth/setup-token";
import { login } from "../lib/auth/login";
import { cleanupTempDirs } from "./support/databases";
import { accountTables, authEvents, authFixture, requestHeaders } from "./support/auth";
import { PROJECT_ROOT } from "./support/writer-process";

// Headless provisioning as run on the server: `npm run cli -- create-admin <user> [--additional]`, the
// password on standard input (never an argument). The first admin spends the setup token; more need
// --additional; every refusal changes nothing.

afterAll(() => cleanupTempDirs());

const PASSWORD = "provisioned passphrase 1";

function runCli(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/cli/main.ts", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, WARDEN_LOG_LEVEL: "error" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin.on("error", () => undefined); // the command may exit before reading
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe.each(["sqlite", "postgresql"] as const)("npm run cli -- create-admin on %s", (provider) => {
  const fixture = authFixture(provider);
  const cliEnv = () => ({ DATABASE_URL: fixture().url, WARDEN_DATA_DIR: fixture().dataDir });

  it("creates the first admin from stdin (the setup link stops working), then refuses a second one unless --additional", async () => {
    const { db, dataDir } = fixture();
    await ensureSetupToken(db);
    expect(existsSync(join(dataDir, "setup-token"))).toBe(true);

    const first = await runCli(["create-admin", "ops"], cliEnv(), `${PASSWORD}\n`);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Admin "ops" created (the first admin: the setup link no longer works).');
    expect(first.stdout).not.toContain(PASSWORD);
    // Hashed by lib/auth/password-hash.ts like every other password (ADR 009).
    expect((await db.account.findFirstOrThrow()).password).toMatch(/^\$scrypt\$v=1\$ln=17,r=8,p=1\$/);
    expect(await login(db, { username: "ops", password: PASSWORD }, requestHeaders({ ip: "203.0.113.81" }))).toMatchObject({ ok: true });
    expect(await db.setupToken.count()).toBe(0);
    expect(existsSync(join(dataDir, "setup-token"))).toBe(false);

    const before = await accountTables(db);
    const second = await runCli(["create-admin", "intruder"], cliEnv(), `${PASSWORD}\n`);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("An admin already exists. To add another one, run the command again with --additional. Nothing was changed.");
    expect(await accountTables(db)).toBe(before);

    const additional = await runCli(["create-admin", "second-ops", "--additional"], cliEnv(), `${PASSWORD}\n`);
    expect(additional.code).toBe(0);
    expect((await db.user.findMany({ orderBy: { createdAt: "asc" } })).map((u) => u.username)).toEqual(["ops", "second-ops"]);
    expect((await authEvents(db)).filter((e) => e.event !== "login_succeeded").map((e) => [e.event, e.username, e.detail])).toEqual([
      ["setup", "ops", "first admin created by CLI"],
      ["admin_created", "second-ops", "additional admin created by CLI"],
    ]);
  });

  it("a taken username is refused and changes nothing", async () => {
    const { db } = fixture();
    expect((await runCli(["create-admin", "ops"], cliEnv(), `${PASSWORD}\n`)).code).toBe(0);
    const before = await accountTables(db);
    const taken = await runCli(["create-admin", "ops", "--additional"], cliEnv(), `${PASSWORD}\n`);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('The username "ops" is taken.');
    expect(await accountTables(db)).toBe(before);
  });
});

// Refused before the database is touched (the same on either provider).
describe("npm run cli -- create-admin: bad input", () => {
  const fixture = authFixture("sqlite");

  it("a password as an argument, none or a short one on stdin, an invalid username or option: a clear error, nothing written", async () => {
    const { db, url, dataDir } = fixture();
    const before = await accountTables(db);
    const cases: [string[], string, number, string][] = [
      [["create-admin", "ops", PASSWORD], `${PASSWORD}\n`, 2, "a password is never taken from an argument"],
      [["create-admin"], `${PASSWORD}\n`, 2, "create-admin needs a username"],
      [["create-admin", "ops", "--force"], `${PASSWORD}\n`, 2, "unknown option --force"],
      [["create-admin", "ops"], "", 1, "no password on standard input"],
      [["create-admin", "ops"], "short\n", 1, "Password must be at least 12 characters"],
      [["create-admin", "Bad Name!"], `${PASSWORD}\n`, 1, "Username may use only"],
    ];
    for (const [args, stdin, code, message] of cases) {
      const result = await runCli(args, { DATABASE_URL: url, WARDEN_DATA_DIR: dataDir }, stdin);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toContain(message);
      expect(result.stdout + result.stderr, args.join(" ")).not.toContain(PASSWORD);
    }
    expect(await accountTables(db)).toBe(before);
  });
});
