import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { authSecret } from "../lib/auth/secret";
import { ensureSetupToken } from "../lib/auth/setup-token";
import { createDb } from "../lib/db";
import { sqlitePath } from "../lib/db-url";
import { log } from "../lib/log";
import { migrateDatabase } from "../lib/migrations/run";
import { ensureDataDirectory, ensureDirectory } from "../lib/private-files";
import { cleanupTempDirs, tempDir } from "./support/databases";
import { pointAuthAt, resetAuthGlobals } from "./support/auth";

// No unprivileged process can read the database, the tokens or the secrets: each is created private
// (0600; the data directory 0711, so another user may pass through to a directory made for it but not
// list it). We run as root, for whom modes do not apply: the reader runs as `nobody`.

afterAll(async () => {
  await resetAuthGlobals();
  cleanupTempDirs();
});
afterEach(() => vi.restoreAllMocks());

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Runs `command` as nobody; its exit status. */
function asNobody(command: string, ...args: string[]): number | null {
  return spawnSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", command, ...args], { encoding: "utf8" }).status;
}

describe("private files", () => {
  it("the data directory, the SQLite database with its -wal/-shm, the auth secret and the setup token are created private; nobody cannot read or list them", async () => {
    const root = tempDir("warden-private-");
    chmodSync(root, 0o711); // the test's own parent: traversable, as /var/lib would be
    const dataDir = join(root, "data");
    ensureDirectory(dataDir, { tightenExisting: true });
    const url = `file:${join(dataDir, "warden.db")}`;
    await migrateDatabase(url);
    const db = await pointAuthAt(url, dataDir);
    await db.user.count(); // the panel's own connection (WAL files exist while it is open)
    authSecret();
    await ensureSetupToken(db);

    const files = ["warden.db", "warden.db-wal", "warden.db-shm", "auth-secret", "setup-token"].map((f) => join(dataDir, f));
    expect(mode(dataDir)).toBe("711");
    for (const file of files) expect([file, mode(file)]).toEqual([file, "600"]);
    for (const file of files) expect([file, asNobody("cat", file)]).not.toEqual([file, 0]);
    expect(asNobody("ls", dataDir)).not.toBe(0);

    // 0711 on purpose: a directory made for an unprivileged runtime process is reachable by it.
    mkdirSync(join(dataDir, "shared"), { mode: 0o755 });
    writeFileSync(join(dataDir, "shared", "readable"), "ok", { mode: 0o644 });
    expect(asNobody("cat", join(dataDir, "shared", "readable"))).toBe(0);
    await db.$disconnect();
  });

  it("an older install's world-readable data directory and database are tightened, with a WARN; a directory the database merely lives in is left alone", async () => {
    const root = tempDir("warden-private-legacy-");
    const dataDir = join(root, "data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const dbFile = join(dataDir, "warden.db");
    const legacy = createDb(`file:${dbFile}`);
    await legacy.$disconnect();
    chmodSync(dbFile, 0o644);
    const warn = vi.spyOn(log, "warn");

    ensureDirectory(dataDir, { tightenExisting: true });
    sqlitePath(`file:${dbFile}`);
    expect(mode(dataDir)).toBe("711");
    expect(mode(dbFile)).toBe("600");
    expect(warn.mock.calls.filter(([fields]) => (fields as { event?: string }).event === "permissions_tightened")).toHaveLength(2);

    // A database placed in a shared directory does not change that directory.
    const shared = join(root, "shared");
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    sqlitePath(`file:${join(shared, "panel.db")}`);
    expect(mode(shared)).toBe("777");
    expect(mode(join(shared, "panel.db"))).toBe("600");
  });

  it("a backup made before the first start leaves the data directory 0711, not 0700; a data directory found 0700 is opened to 0711 with a WARN, so the edge's workers can pass through", () => {
    const root = tempDir("warden-private-order-");
    const dataDir = join(root, "data");
    ensureDirectory(join(dataDir, "backups"), { mode: 0o700, tightenExisting: true });
    expect(mode(dataDir)).toBe("711");
    expect(mode(join(dataDir, "backups"))).toBe("700");

    const older = join(root, "older");
    mkdirSync(older, { mode: 0o700 });
    chmodSync(older, 0o700);
    const warn = vi.spyOn(log, "warn");
    ensureDataDirectory(older);
    expect(mode(older)).toBe("711");
    expect(warn.mock.calls.filter(([fields]) => (fields as { event?: string }).event === "permissions_set")).toHaveLength(1);
    expect(asNobody("ls", older)).not.toBe(0);
  });
});
