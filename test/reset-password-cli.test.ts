import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../lib/db";
import { getAdminSession, PasswordChangeRequiredError, requireAdmin } from "../lib/auth/guard";
import { login } from "../lib/auth/login";
import { cleanupTempDirs, freshSqliteUrl } from "./support/databases";
import { ADMIN, ADMIN_PASSWORD, accountTables, authEvents, authFixture, cookieFrom, requestHeaders, seedAdmin, pointAuthAt } from "./support/auth";
import { PROJECT_ROOT } from "./support/writer-process";

// The forgotten-password path as run on the server: `npm run cli -- reset-password <user>` (tsx
// lib/cli/main.ts) against a SQLite database. A piped password is used as is; with nothing on stdin a
// one-time password is generated and printed. Either way every session of the admin ends and the admin
// must choose a new password at next sign-in.

afterAll(() => cleanupTempDirs());

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `stdin` piped in (then closed), or with stdin on /dev/null when it is "ignore". */
function runCli(args: string[], env: Record<string, string>, stdin: string | "ignore"): Promise<CliResult> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/cli/main.ts", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, WARDEN_LOG_LEVEL: "error" },
    stdio: [stdin === "ignore" ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  if (stdin !== "ignore") child.stdin!.end(stdin);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

async function signIn(db: Db, password: string, ip: string) {
  const outcome = await login(db, { username: ADMIN, password }, requestHeaders({ ip }));
  return outcome.ok ? cookieFrom(outcome.setCookies) : null;
}

describe("npm run cli -- reset-password", () => {
  const fixture = authFixture("sqlite");
  const cliEnv = () => ({ DATABASE_URL: fixture().url, WARDEN_DATA_DIR: fixture().dataDir });

  it("a piped password: exit 0, every session ends, the password works and must be changed", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const cookies = [await signIn(db, ADMIN_PASSWORD, "203.0.113.71"), await signIn(db, ADMIN_PASSWORD, "203.0.113.72")];
    const piped = "piped recovery passphrase";

    const result = await runCli(["reset-password", ADMIN], cliEnv(), `${piped}\n`);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Password of "${ADMIN}" reset; 2 sessions ended.`);
    expect(result.stdout).toContain("must choose a new password at next sign-in");
    expect(result.stdout).not.toContain("One-time password");
    expect(result.stdout).not.toContain(piped);

    for (const cookie of cookies) expect(await getAdminSession(db, requestHeaders({ cookie: cookie! }))).toBeNull();
    expect(await db.session.count()).toBe(0);
    expect((await db.user.findUniqueOrThrow({ where: { username: ADMIN } })).mustChangePassword).toBe(true);
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "password_reset", username: ADMIN, detail: "by CLI; 2 sessions ended" });

    expect(await signIn(db, ADMIN_PASSWORD, "203.0.113.73"), "the old password no longer works").toBeNull();
    const fresh = await signIn(db, piped, "203.0.113.74");
    expect(fresh).not.toBeNull();
    // Signed in, but held on the password change until the admin picks a new one.
    await expect(requireAdmin(db, requestHeaders({ cookie: fresh! }))).rejects.toBeInstanceOf(PasswordChangeRequiredError);
    expect((await requireAdmin(db, requestHeaders({ cookie: fresh! }), { allowPasswordChange: true })).user).toMatchObject({
      username: ADMIN,
      mustChangePassword: true,
    });
  });

  it("with an empty pipe, or stdin on /dev/null, it generates and prints a one-time password that signs in", async () => {
    // Two databases, so both variants run at once.
    const { db, url, dataDir } = fixture();
    const otherUrl = await freshSqliteUrl();
    await seedAdmin(db);
    const other = createDb(otherUrl);
    await seedAdmin(other);
    await other.$disconnect();

    const results = await Promise.all([
      runCli(["reset-password", ADMIN], { DATABASE_URL: url, WARDEN_DATA_DIR: dataDir }, ""),
      runCli(["reset-password", ADMIN], { DATABASE_URL: otherUrl, WARDEN_DATA_DIR: dataDir }, "ignore"),
    ]);
    for (const [i, result] of results.entries()) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const printed = result.stdout.match(/One-time password: (\S+)/)?.[1];
      expect(printed).toMatch(/^[A-Za-z0-9]{20}$/);
      const target = await pointAuthAt(i === 0 ? url : otherUrl, dataDir);
      expect(await signIn(target, printed!, "203.0.113.81")).not.toBeNull();
      expect((await target.user.findUniqueOrThrow({ where: { username: ADMIN } })).mustChangePassword).toBe(true);
    }
  });

  it("an unknown user, a too-short piped password or no username: non-zero exit, a clear message, nothing changed", async () => {
    const { db } = fixture();
    await seedAdmin(db);
    const cookie = await signIn(db, ADMIN_PASSWORD, "203.0.113.91");
    const tables = await accountTables(db);
    const events = await authEvents(db);

    const [unknown, short, missing] = await Promise.all([
      runCli(["reset-password", "nobody"], cliEnv(), "a long enough passphrase\n"),
      runCli(["reset-password", ADMIN], cliEnv(), "short\n"),
      runCli(["reset-password"], cliEnv(), ""),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No admin named "nobody"');
    expect(unknown.stdout).not.toContain("reset;");
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("Password must be at least 12 characters");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("reset-password needs a username");

    expect(await accountTables(db)).toBe(tables);
    expect(await authEvents(db)).toEqual(events);
    expect(await getAdminSession(db, requestHeaders({ cookie: cookie! }))).not.toBeNull();
  });
});
