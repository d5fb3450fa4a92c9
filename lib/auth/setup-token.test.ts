import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { cleanupTempDirs, tempDir } from "../../test/support/databases";
import { authFixture, authEvents } from "../../test/support/auth";
import { resetEnvCache } from "../env";
import { log } from "../log";
import { createAdminFromCli, createFirstAdmin } from "./first-admin";
import { ensureSetupToken, hashSetupToken, setupTokenValid } from "./setup-token";

// The first-run setup token: made once per database, kept in <data>/setup-token (0600) and hashed in
// the database, printed at every boot until the first admin exists, then gone (row and file).

afterAll(() => cleanupTempDirs());
afterEach(() => {
  delete process.env.WARDEN_SETUP_TOKEN;
  vi.restoreAllMocks();
});

const PASSWORD = "first admin password";
const client = { ip: "192.0.2.20", userAgent: "vitest" };

/** Points this process at another data directory, as another replica (another machine) would have. */
function useDataDir(dir: string): void {
  process.env.WARDEN_DATA_DIR = dir;
  resetEnvCache();
}

function printedUrls(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.filter(([fields]) => (fields as { event?: string }).event === "setup_token").map(([fields]) => (fields as { url: string }).url);
}

describe.each(["sqlite", "postgresql"] as const)("setup token on %s", (provider) => {
  const fixture = authFixture(provider);

  it("is made once: a 0600 file with the token, only its hash in the database, the link printed at INFO at every boot", async () => {
    const { db, dataDir } = fixture();
    const info = vi.spyOn(log, "info");
    const first = await ensureSetupToken(db);
    const file = join(dataDir, "setup-token");
    const token = readFileSync(file, "utf8").trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const row = await db.setupToken.findUniqueOrThrow({ where: { id: "first-admin" } });
    expect(row.tokenHash).toBe(hashSetupToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(first).toMatchObject({ kind: "printed", url: `http://localhost:3000/setup?token=${token}` });

    // The next boot prints the same link again (no new token).
    await ensureSetupToken(db);
    expect(printedUrls(info)).toEqual([`http://localhost:3000/setup?token=${token}`, `http://localhost:3000/setup?token=${token}`]);
    expect(readFileSync(file, "utf8").trim()).toBe(token);
    expect(await setupTokenValid(db, token)).toBe(true);
  });

  it("uses WARDEN_PUBLIC_URL for the link", async () => {
    const { db, reconfigure } = fixture();
    const configured = await reconfigure({ WARDEN_PUBLIC_URL: "https://panel.example.org/" });
    const state = await ensureSetupToken(configured ?? db);
    expect(state).toMatchObject({ kind: "printed", url: expect.stringMatching(/^https:\/\/panel\.example\.org\/setup\?token=/) });
  });

  it("replicas booting at once make one token between them", async () => {
    const { db, dataDir } = fixture();
    const states = await Promise.all(Array.from({ length: 5 }, () => ensureSetupToken(db)));
    const token = readFileSync(join(dataDir, "setup-token"), "utf8").trim();
    for (const state of states) expect(state).toMatchObject({ kind: "printed", url: expect.stringContaining(token) });
    expect(await db.setupToken.count()).toBe(1);
    expect(await setupTokenValid(db, token)).toBe(true);
  });

  it("a replica without the file says in its log where the token was made, and makes none", async () => {
    const { db, dataDir } = fixture();
    await ensureSetupToken(db);
    const token = readFileSync(join(dataDir, "setup-token"), "utf8").trim();
    const warn = vi.spyOn(log, "warn");
    useDataDir(tempDir("warden-other-replica-"));
    try {
      const state = await ensureSetupToken(db);
      expect(state).toMatchObject({ kind: "elsewhere", createdOn: expect.stringContaining(join(dataDir, "setup-token")) });
      expect(warn.mock.calls.some(([fields]) => (fields as { event?: string }).event === "setup_token_elsewhere")).toBe(true);
      expect(existsSync(join(process.env.WARDEN_DATA_DIR!, "setup-token"))).toBe(false);
      expect(await setupTokenValid(db, token)).toBe(true); // still the one token
    } finally {
      useDataDir(dataDir);
    }
  });

  it("the machine that made it lost its file: a new token replaces the old one (WARN), which stops working", async () => {
    const { db, dataDir } = fixture();
    await ensureSetupToken(db);
    const file = join(dataDir, "setup-token");
    const old = readFileSync(file, "utf8").trim();
    writeFileSync(file, "tampered\n");
    await ensureSetupToken(db);
    const fresh = readFileSync(file, "utf8").trim();
    expect(fresh).not.toBe(old);
    expect(await setupTokenValid(db, old)).toBe(false);
    expect(await setupTokenValid(db, fresh)).toBe(true);
  });

  it("WARDEN_SETUP_TOKEN sets it (no file written; the link names the variable); too short is refused", async () => {
    const { db, dataDir } = fixture();
    process.env.WARDEN_SETUP_TOKEN = "automated-install-token-42";
    expect(await ensureSetupToken(db)).toMatchObject({ kind: "printed", url: "http://localhost:3000/setup?token=<WARDEN_SETUP_TOKEN>", file: null });
    expect(existsSync(join(dataDir, "setup-token"))).toBe(false);
    expect(await setupTokenValid(db, "automated-install-token-42")).toBe(true);
    await createFirstAdmin(db, { username: "admin", password: PASSWORD, confirm: PASSWORD, token: "automated-install-token-42" }, client);
    expect(await db.setupToken.count()).toBe(0);

    process.env.WARDEN_SETUP_TOKEN = "short";
    await expect(ensureSetupToken(db)).rejects.toThrow("WARDEN_SETUP_TOKEN: must be at least 20 characters");
  });

  it("gone once the first admin exists, file and hash, whether made in the browser or by the CLI", async () => {
    const { db, dataDir } = fixture();
    const file = join(dataDir, "setup-token");
    await ensureSetupToken(db);
    const token = readFileSync(file, "utf8").trim();
    await createFirstAdmin(db, { username: "admin", password: PASSWORD, confirm: PASSWORD, token }, client);
    expect(existsSync(file)).toBe(false);
    expect(await db.setupToken.count()).toBe(0);
    expect(await ensureSetupToken(db)).toEqual({ kind: "admin-exists" });
    expect((await authEvents(db)).map((e) => e.event)).toEqual(["setup"]);

    // The CLI path on a fresh database of its own: the token row and file go too.
    await db.user.deleteMany({});
    await ensureSetupToken(db);
    expect(existsSync(file)).toBe(true);
    await createAdminFromCli(db, "ops", PASSWORD);
    expect(existsSync(file)).toBe(false);
    expect(await db.setupToken.count()).toBe(0);
  });
});
