import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { authSecret } from "../../auth/secret";
import { resetEnvCache } from "../../env";
import { migrateDatabase } from "../../migrations/run";
import { ensureDirectory } from "../../private-files";
import { cleanupTempDirs, tempDir } from "../../../test/support/databases";
import { cleanupAllEdgeFixtures, edgeFixture, edgeIntent, site, testUpstream, viaEdge, type TestUpstream } from "../../../test/support/edge";
import { acceptingWorkers, findMaster } from "./process";
import { EdgeRuntime } from "./runtime";
import { edgePaths } from "./settings";

// The edge's workers run as an unprivileged user (nobody here) inside the panel's data directory
// (0711: reachable by name, not listable). What they must write is theirs; the panel's database, its
// auth secret and the directory's listing are not readable by them. Checked as that user, with the
// panel's own code creating each file (the boot's directory, the migrator's database, the secret).

let upstream: TestUpstream | null = null;
const savedDataDir = process.env.WARDEN_DATA_DIR;

afterEach(async () => {
  await cleanupAllEdgeFixtures();
  await upstream?.close();
  upstream = null;
  if (savedDataDir === undefined) delete process.env.WARDEN_DATA_DIR;
  else process.env.WARDEN_DATA_DIR = savedDataDir;
  resetEnvCache();
});
afterAll(() => cleanupTempDirs());

/** Runs a command as the edge's worker user; returns its exit status and stderr. */
function asWorker(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", ...args], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

describe("the edge's workers", () => {
  it("run as nobody and cannot read the panel's database, secret or directory listing; they can write their temp files", async () => {
    // The data directory's parent is searchable, as a checkout's or /var/lib's is (mkdtemp makes it 0700).
    const parent = tempDir("warden-isolation-");
    chmodSync(parent, 0o711);
    const dataDir = path.join(parent, "data");
    ensureDirectory(dataDir, { tightenExisting: true }); // what the panel's boot does
    const dbFile = path.join(dataDir, "warden.db");
    await migrateDatabase(`file:${dbFile}`);
    process.env.WARDEN_DATA_DIR = dataDir;
    resetEnvCache();
    authSecret(); // generates <data dir>/auth-secret as the panel does on first start

    upstream = await testUpstream();
    const fx = await edgeFixture({ instanceDir: path.join(dataDir, "edge") });
    await new EdgeRuntime(fx.settings).apply(edgeIntent([site("app", ["app.example"], upstream.url)]));
    // A body above nginx's in-memory buffer: a worker writes it to tmp/client_body as nobody.
    expect((await viaEdge(fx.settings, "app.example", "/upload", { method: "POST", body: Buffer.alloc(64 * 1024, 97) })).status).toBe(200);

    const master = findMaster(fx.settings)!;
    const workers = acceptingWorkers(master.pid);
    expect(workers.length).toBeGreaterThan(0);
    const nobody = Number(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim());
    for (const w of workers) expect(uidOf(w)).toBe(nobody);

    for (const file of [dbFile, path.join(dataDir, "auth-secret")]) {
      const read = asWorker(["cat", file]);
      expect(read.status, `${file} must not be readable by the workers' user`).not.toBe(0);
      expect(read.stderr).toContain("Permission denied");
    }
    expect(asWorker(["ls", dataDir]).stderr).toContain("Permission denied");
    const tmp = path.join(edgePaths(fx.settings).tmp, "client_body");
    expect(asWorker(["touch", path.join(tmp, "probe")]).status).toBe(0);
  });
});
