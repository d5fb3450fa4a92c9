import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { databaseUrl, MIGRATIONS_DIR, runSql } from "./database";
import { apiLogin, E2E_SETUP_TOKEN, expect, test, type Credentials } from "./fixtures";
import { snapshot, submitSetup } from "./helpers";
import { expectAccessible } from "./a11y";

// Migration health end to end, on the "schema" server (WARDEN_MIGRATE_ON_BOOT=false): healthy → a
// table dropped by hand → repaired; then an old database (the auth migrations not applied) → pending,
// reduced view without login → `npm run cli -- migrate` → the notice goes away on the next poll.
// The tests change that server's database directly (SQLite file or PostgreSQL database, whichever
// the run uses: e2e/database.ts), as an operator's mistake would.

const SCHEMA_SERVER = "schema";
const SCHEMA_ADMIN: Credentials = { username: "schema-admin", password: "schema admin passphrase" };

// Every migration folder the server applies (the set of the run's provider).
const MIGRATION_FOLDERS = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const MIGRATION_COUNT = MIGRATION_FOLDERS.length;

/** The CREATE TABLE statement of security_configs, from the provider's migration that creates it. */
function createSecurityConfigsSql(): string {
  const init = MIGRATION_FOLDERS.find((folder) => folder.endsWith("_init"));
  const sql = readFileSync(join(MIGRATIONS_DIR, init!, "migration.sql"), "utf8");
  return /CREATE TABLE "security_configs" \([\s\S]*?\n\);/.exec(sql)![0];
}

test.describe.configure({ mode: "serial" });
test.use({ session: "none" });

test("@schema healthy: /migrations lists every migration applied and the schema complete", async ({ page }, testInfo) => {
  await page.goto(`/setup?token=${E2E_SETUP_TOKEN}`);
  await submitSetup(page, SCHEMA_ADMIN);
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByTestId("schema-pill")).toContainText("healthy");

  await page.goto("/migrations");
  await expect(page.getByTestId("migration-summary")).toHaveAttribute("data-status", "healthy");
  const count = MIGRATION_COUNT;
  await expect(page.getByTestId("migration-summary")).toContainText(new RegExp(`Healthy: ${count} migrations applied, schema complete\\.`));
  await expect(page.getByTestId("migration-row")).toHaveCount(count);
  for (const row of await page.getByTestId("migration-row").all()) await expect(row).toContainText("applied");
  await expect(page.getByTestId("schema-table").filter({ hasText: "security_configs" })).toContainText("present");
  const health = await page.request.get("/api/health");
  expect(health.status()).toBe(200);
  await snapshot(page, testInfo, "migrations-healthy");
});

test("@schema a table dropped by hand: protected pages show the degraded notice, /api/health 503, repaired → notice gone on the next poll", async ({ page, context }, testInfo) => {
  await apiLogin(context.request, SCHEMA_ADMIN);
  await runSql(SCHEMA_SERVER, `DROP TABLE "security_configs"`);

  await page.goto("/security");
  const notice = page.getByTestId("degraded-notice");
  await expect(notice).toContainText("Schema degraded");
  await expect(notice).toContainText("table security_configs is missing");
  await expect(page.getByRole("switch")).toHaveCount(0);
  // The header never shows green beside the notice.
  await expect(page.getByTestId("schema-pill")).toContainText("degraded");
  await snapshot(page, testInfo, "security-degraded-missing-table");
  await expectAccessible(page, "/security while degraded (signed in)");

  const health = await page.request.get("/api/health");
  expect(health.status()).toBe(503);
  expect(await health.json()).toMatchObject({ status: "degraded", missingTables: ["security_configs"] });
  expect((await page.request.get("/api/security/status")).status()).toBe(503);

  const migrations = await context.newPage();
  await migrations.goto("/migrations");
  await expect(migrations.getByTestId("migration-summary")).toHaveAttribute("data-status", "degraded");
  await expect(migrations.getByTestId("schema-table").filter({ hasText: "security_configs" })).toContainText("missing");
  await snapshot(migrations, testInfo, "migrations-missing-table");

  // Repair by hand (its migration is applied, so `migrate` would not recreate it).
  await runSql(SCHEMA_SERVER, createSecurityConfigsSql());
  await expect(notice).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByRole("switch", { name: "WAF" })).toBeVisible();
  await expect(page.getByTestId("schema-pill")).toContainText("healthy");
  await expect(migrations.getByTestId("migration-summary")).toHaveAttribute("data-status", "healthy", { timeout: 15_000 });
});

test("@schema a failed migration is named everywhere; its error only for a signed-in admin; the exact resolve commands can be pasted", async ({ page, context }, testInfo) => {
  const drift = MIGRATION_FOLDERS.find((folder) => folder.endsWith("_drift"))!;
  const dbError = 'relation "scenario_intents" already exists (row value: secret-ish)';
  // As the migrator records a migration that failed half-way: started, never finished, with its error.
  await runSql(SCHEMA_SERVER, `UPDATE "_prisma_migrations" SET "finished_at" = NULL, "logs" = '${dbError.replaceAll("'", "''")}' WHERE "migration_name" = '${drift}'`);
  try {
    // The verdict is cached for at most a second.
    await expect.poll(async () => (await page.request.get("/api/health")).status(), { timeout: 5_000 }).toBe(503);
    const body = await (await page.request.get("/api/health")).json();
    expect(body).toMatchObject({ status: "degraded", failedMigrations: [drift] });
    expect(body.summary).toContain(`migration ${drift} failed`);
    expect(JSON.stringify(body)).not.toContain("secret-ish");

    // Without a session: the reduced view names it and gives both exact commands, not the error.
    await page.goto("/migrations");
    const notice = page.getByTestId("degraded-notice");
    await expect(notice).toContainText(`Failed migration: ${drift}`);
    await expect(notice.getByTestId("remedy")).toHaveText([new RegExp(`npm run cli -- migrate resolve --rolled-back ${drift}`), new RegExp(`npm run cli -- migrate resolve --applied ${drift}`)]);
    await expect(page.locator("body")).not.toContainText("secret-ish");
    await snapshot(page, testInfo, "migrations-failed-reduced");
    await expectAccessible(page, "/migrations reduced view while degraded (signed out)");

    // The auth tables are intact: sign-in works, and the admin sees the full report with the error.
    await apiLogin(context.request, SCHEMA_ADMIN);
    await page.goto("/migrations");
    await expect(page.getByTestId("migration-summary")).toHaveAttribute("data-status", "degraded");
    await expect(page.getByTestId("migration-row").filter({ hasText: drift })).toContainText("failed");
    await expect(page.locator("body")).toContainText("secret-ish");
    await snapshot(page, testInfo, "migrations-failed-full");
    await expectAccessible(page, "/migrations full report while degraded (signed in)");

    const status = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "lib/cli/main.ts", "status"], {
      env: { ...process.env, DATABASE_URL: databaseUrl(SCHEMA_SERVER) },
      encoding: "utf8",
    });
    expect(status.status).toBe(1);
    expect(status.stdout).toContain(`npm run cli -- migrate resolve --rolled-back ${drift}`);
    expect(status.stdout).toContain(`npm run cli -- migrate resolve --applied ${drift}`);
    expect(status.stdout).toContain("secret-ish");
  } finally {
    await runSql(SCHEMA_SERVER, `UPDATE "_prisma_migrations" SET "finished_at" = "started_at", "logs" = NULL WHERE "migration_name" = '${drift}'`);
  }
  await expect.poll(async () => (await page.request.get("/api/health")).status(), { timeout: 15_000 }).toBe(200);
});

test("@schema an old database (auth migrations not applied): pending, reduced view without login; `migrate` → notice gone on the next poll", async ({ page }, testInfo) => {
  // Children before "users" (sessions and accounts reference it on both providers), in one script:
  // a transaction on PostgreSQL (pg sends it as one simple query), so a failure changes nothing there.
  // A database from before authentication has neither the auth migration nor the one that later
  // added auth_events.device_id.
  await runSql(
    SCHEMA_SERVER,
    `DROP TABLE "auth_events"; DROP TABLE "verifications"; DROP TABLE "accounts"; DROP TABLE "sessions"; DROP TABLE "users";
     DELETE FROM "_prisma_migrations" WHERE "migration_name" LIKE '%_auth' OR "migration_name" LIKE '%_auth_event_device';`,
  );

  // No session can exist now: every page shows the notice, /migrations its reduced view.
  await page.goto("/security");
  await expect(page.getByTestId("degraded-notice")).toContainText(/Pending: 2 migrations not applied: \d+_auth, \d+_auth_event_device/);
  await page.goto("/migrations");
  const notice = page.getByTestId("degraded-notice");
  await expect(notice).toContainText("Missing tables: users, sessions, accounts, verifications, auth_events");
  await expect(notice).toContainText("npm run cli -- migrate");
  await expect(page.getByText("This is the reduced view shown without signing in.")).toBeVisible();
  await snapshot(page, testInfo, "migrations-pending-reduced-view");

  const migrate = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "lib/cli/main.ts", "migrate"], {
    env: { ...process.env, DATABASE_URL: databaseUrl(SCHEMA_SERVER) },
    encoding: "utf8",
  });
  expect(migrate.status, migrate.stderr).toBe(0);
  expect(migrate.stdout).toMatch(/Applied 2 migrations;/);

  // The page polls /api/health and reloads itself: the auth tables are back, and empty.
  await expect(notice).toHaveCount(0, { timeout: 15_000 });
  await expect(page).toHaveURL(/\/setup$/);
  expect((await page.request.get("/api/health")).status()).toBe(200);
});
