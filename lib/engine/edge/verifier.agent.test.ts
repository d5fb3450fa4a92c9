import { spawn } from "node:child_process";
import { unlinkSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { changeSiteAndApply } from "../../actions/sites/apply-site";
import { createDb, type Db } from "../../db";
import { readIntent, toggleProtection } from "../../security/intent-store";
import { createSite } from "../../sites/site-store";
import { changeAndApply } from "../changes";
import { observeAll, type Engine } from "../engine";
import { freshSqliteUrl, cleanupTempDirs } from "../../../test/support/databases";
import { waitFor } from "../../../test/support/wait";
import { PROJECT_ROOT } from "../../../test/support/writer-process";
import { cleanupAllEdgeFixtures, edgeEngine, edgeFixture, testUpstream, type EdgeFixture, type TestUpstream } from "../../../test/support/edge";
import { PROBE_FILE } from "./render-nginx";
import { formatListen } from "./settings";

// The verifier in the panel's engine, with a REAL nginx: it runs by itself after an apply that changed
// the edge, the cards say what it saw, a failed probe of the generation served is edge drift, and the
// CLI's `verify` exits 1 when an enabled protection is not enforced.

const ADMIN = { actor: "admin" };
let upstream: TestUpstream;
let db: Db;
let engine: Engine;
let fx: EdgeFixture;
let url: string;

beforeAll(async () => {
  upstream = await testUpstream();
});
afterEach(async () => {
  engine.close();
  await cleanupAllEdgeFixtures();
  await db.$disconnect();
});
afterAll(async () => {
  await upstream.close();
  cleanupTempDirs();
});

async function setup(): Promise<void> {
  url = await freshSqliteUrl();
  db = createDb(url);
  fx = await edgeFixture();
  engine = edgeEngine(db, fx.settings, { verifyAfterApply: true });
  await changeSiteAndApply(
    engine,
    db,
    createSite,
    { hosts: ["app.example"], upstream: upstream.url, tlsVerify: true, enabled: true, maxBodyBytes: 1_048_576, waf: "inherit" },
    ADMIN,
  );
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("npm", ["run", "--silent", "cli", "--", ...args], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: url,
      WARDEN_EDGE_DIR: fx.settings.instanceDir,
      WARDEN_EDGE_LISTEN: formatListen(fx.settings.listen),
      WARDEN_EDGE_CONTROL_LISTEN: formatListen(fx.settings.control),
      WARDEN_LOG_LEVEL: "error",
    },
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

describe("the verifier", () => {
  it("runs after a WAF change reloads the edge: audited, and the card says 'verified enforcing'; the CLI agrees and exits 0", async () => {
    await setup();
    const v = (await readIntent(db)).waf.version;
    await changeAndApply(engine, db, "update", { protection: "waf", changes: { mode: "block" }, expectedVersion: v }, ADMIN);
    await changeAndApply(engine, db, "toggle", { protection: "waf", on: true, expectedVersion: v + 1 }, ADMIN);
    const run = await waitFor(() => (engine.verifier.latest?.sites[0]?.waf.verdict === "enforcing" ? engine.verifier.latest : null), 10_000, "a verify run");
    expect(run).toMatchObject({ trigger: "apply", failures: [] });
    const card = (await observeAll(engine)).waf;
    expect(card.details).toMatchObject({ enforcement: "enforcing", verified: "enforcing", verifiedAt: run.at });
    const rows = await db.securityAudit.findMany({ where: { action: "verify" } });
    expect(rows.length).toBeGreaterThan(0);

    const out = await cli(["verify", "--site", "app.example"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^app\.example: probe location ok\n {2}WAF: +enforcing — an attack got 403 \(rules /m);
    expect(out.stdout).toMatch(/Verified in \d+ ms: every enabled protection was seen enforced\./);
    expect((await cli(["verify", "--site", "nope.example"])).code).toBe(2);
  });

  it("a probe that fails on the generation served is edge drift; the card turns amber with the finding; the CLI exits 1", async () => {
    await setup();
    const v = (await readIntent(db)).waf.version;
    await changeAndApply(engine, db, "toggle", { protection: "waf", on: true, expectedVersion: v }, ADMIN);
    // The probe's static answer deleted by hand: the probe location answers 404 on the generation served.
    unlinkSync(path.join(fx.settings.instanceDir, PROBE_FILE));
    const broken = await engine.verifier.run("manual", { actor: "admin" });
    expect(broken.failures).toEqual([
      "app.example: the probe location did not answer as expected (HTTP 404).",
      "app.example: WAF not detecting: an attack got HTTP 404.",
    ]);
    const intent = await readIntent(db);
    const check = engine.edge.diff(await engine.edge.render(intent), await engine.edge.observe(), intent);
    expect(check.verdict).toBe("drift");
    expect(check.differences).toEqual(
      expect.arrayContaining([
        {
          item: "verify",
          expected: "every enabled protection seen enforced",
          actual: "app.example: the probe location did not answer as expected (HTTP 404).",
        },
      ]),
    );
    expect((await observeAll(engine)).waf.details).toMatchObject({ verified: "failed" });

    // The edge stopped by hand: nothing can be verified, and nothing is called enforcing.
    await engine.edge.runtime.stopNow();
    const run = await engine.verifier.run("manual", { actor: "admin" });
    expect(run.failures).toEqual([expect.stringMatching(/^Nothing could be verified: the edge is not serving/)]);
    const card = (await observeAll(engine)).waf;
    expect(card.details).toMatchObject({ verified: "not verified", verifyFinding: expect.stringMatching(/^the edge is not serving/) });

    const out = await cli(["verify"]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED: Nothing could be verified: the edge is not serving/m);
  });

  it("a change committed but not yet applied: nothing is probed against the wrong generation, the run says the edge is behind", async () => {
    await setup();
    const v = (await readIntent(db)).waf.version;
    // Committed through the store only: the edge still serves the generation without the WAF.
    await toggleProtection(db, { protection: "waf", on: true, expectedVersion: v }, ADMIN);
    const run = await engine.verifier.run("manual", { actor: "admin" });
    expect(run.sites).toEqual([]);
    expect(run.problem).toMatch(/^the edge serves generation \d+, rendered from an earlier intent \(an apply is pending or failed\)/);
    expect(run.failures).toEqual([expect.stringMatching(/^Not verified: the edge serves generation/)]);
  });
});
