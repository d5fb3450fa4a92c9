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

/**
 * The table security_configs as the migrations leave it: the CREATE TABLE of the provider's migration
 * that creates it, then every later migration's ADD COLUMN on it, in order.
 */
function createSecurityConfigsSql(): string {
  const init = MIGRATION_FOLDERS.find((folder) => folder.endsWith("_init"));
  const sql = readFileSync(join(MIGRATIONS_DIR, init!, "migration.sql"), "utf8");
  const create = /CREATE TABLE "security_configs" \([\s\S]*?\n\);/.exec(sql)![0];
  const added = MIGRATION_FOLDERS.filter((folder) => folder !== init).flatMap(
    (folder) => readFileSync(join(MIGRATIONS_DIR, folder, "migration.sql"), "utf8").match(/ALTER TABLE "security_configs" ADD COLUMN [^;]*;/g) ?? [],
  );
  return [create, ...added].join("\n");
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

test("@schema a table dropped by hand: protected pages show the degraded notice, /api/health 503, repaired → notice gone on the next poll", async ({
  page,
  context,
}, testInfo) => {
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

test("@schema a failed migration is named everywhere; its error only for a signed-in admin; the exact resolve commands can be pasted", async ({
  page,
  context,
}, testInfo) => {
  const drift = MIGRATION_FOLDERS.find((folder) => folder.endsWith("_drift"))!;
  const dbError = 'relation "scenario_intents" already exists (row value: secret-ish)';
  // As the migrator records a migration that failed half-way: started, never finished, with its error.
  await runSql(
    SCHEMA_SERVER,
    `UPDATE "_prisma_migrations" SET "finished_at" = NULL, "logs" = '${dbError.replaceAll("'", "''")}' WHERE "migration_name" = '${drift}'`,
  );
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
    await expect(notice.getByTestId("remedy")).toHaveText([
      new RegExp(`npm run cli -- migrate resolve --rolled-back ${drift}`),
      new RegExp(`npm run cli -- migrate resolve --applied ${drift}`),
    ]);
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

    const status = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "lib/cli/main.ts", "status"], {
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

/** The CLI on the schema server's database and data directory (where the panel keeps its backups). */
function cli(...args: string[]) {
  return spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "lib/cli/main.ts", ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl(SCHEMA_SERVER), WARDEN_DATA_DIR: `./data/e2e-${SCHEMA_SERVER}`, WARDEN_LOG_LEVEL: "error" },
    encoding: "utf8",
  });
}

const SETUP_TOKEN_MIGRATION = () => MIGRATION_FOLDERS.find((folder) => folder.endsWith("_setup_token"))!;

test("@schema a pending migration from the health page: Test on a copy, then Apply (password again): a backup first, healthy without a restart, the backup listed with its restore command", async ({
  page,
  context,
}, testInfo) => {
  const pendingName = SETUP_TOKEN_MIGRATION();
  await runSql(SCHEMA_SERVER, `DROP TABLE "setup_tokens"; DELETE FROM "_prisma_migrations" WHERE "migration_name" = '${pendingName}';`);
  await apiLogin(context.request, SCHEMA_ADMIN);
  await expect.poll(async () => (await page.request.get("/api/health")).status(), { timeout: 5_000 }).toBe(503);

  await page.goto("/migrations");
  await expect(page.getByTestId("migration-summary")).toHaveAttribute("data-status", "pending");
  const panel = page.getByTestId("pending-actions");
  await expect(panel).toContainText("1 pending migration");
  await expect(panel).toContainText(pendingName);

  await panel.getByRole("button", { name: "Test on a copy" }).click();
  const dryRun = panel.getByTestId("dry-run-result");
  await expect(dryRun).toHaveAttribute("data-ok", "true", { timeout: 20_000 });
  await expect(dryRun.getByTestId("dry-run-step")).toHaveText([new RegExp(`${pendingName}\\s*ok, \\d+ ms`)]);
  await expect(dryRun.getByTestId("dry-run-verdict")).toContainText(`Healthy: ${MIGRATION_COUNT} migrations applied, schema complete.`);
  // The test ran on a copy: the database itself is still pending.
  expect((await page.request.get("/api/health")).status()).toBe(503);
  await snapshot(page, testInfo, "migrations-pending-dry-run");

  await panel.getByRole("button", { name: "Apply…" }).click();
  await panel.getByLabel("Your password").fill("not the password at all");
  await panel.getByRole("button", { name: "Back up and apply" }).click();
  await expect(panel.getByRole("alert").filter({ hasText: "The password is not correct" })).toBeVisible();
  expect((await page.request.get("/api/health")).status()).toBe(503);

  await panel.getByLabel("Your password").fill(SCHEMA_ADMIN.password);
  await panel.getByRole("button", { name: "Back up and apply" }).click();
  const outcome = panel.getByTestId("apply-outcome");
  await expect(outcome).toHaveAttribute("data-outcome", "applied", { timeout: 20_000 });
  await expect(outcome).toContainText(`Applied 1 migration: ${pendingName}`);
  await expect(outcome).toContainText("Backup taken first");
  await expect(outcome).toContainText("npm run cli -- restore ");
  // Out of degraded mode at once, without a restart.
  await expect(page.getByTestId("migration-summary")).toHaveAttribute("data-status", "healthy");
  expect((await page.request.get("/api/health")).status()).toBe(200);
  await expect(page.getByTestId("schema-pill")).toContainText("healthy", { timeout: 10_000 });

  const rows = page.getByTestId("backup-row");
  await expect(rows.first()).toContainText("before migrating");
  await expect(rows.first()).toContainText(/npm run cli -- restore \S+warden-\w+-\d{8}T\d+Z-[0-9a-f]{4}-before-migrate\.(db|dump)/);
  await snapshot(page, testInfo, "migrations-applied-from-page");
  await expectAccessible(page, "/migrations after Apply");
});

test("@schema a migration that fails on Apply: the dry run names the statement; Apply shows the failure, its backup and the restore command; restore refuses while the panel runs, --force restores", async ({
  page,
  context,
}, testInfo) => {
  const pendingName = SETUP_TOKEN_MIGRATION();
  // Its table already exists (made by hand): the migration's CREATE TABLE fails.
  await runSql(SCHEMA_SERVER, `DELETE FROM "_prisma_migrations" WHERE "migration_name" = '${pendingName}';`);
  await apiLogin(context.request, SCHEMA_ADMIN);
  await expect.poll(async () => (await page.request.get("/api/health")).status(), { timeout: 5_000 }).toBe(503);

  await page.goto("/migrations");
  const panel = page.getByTestId("pending-actions");
  await panel.getByRole("button", { name: "Test on a copy" }).click();
  const dryRun = panel.getByTestId("dry-run-result");
  await expect(dryRun).toHaveAttribute("data-ok", "false", { timeout: 20_000 });
  await expect(dryRun.getByTestId("dry-run-step")).toContainText("failed");
  await expect(dryRun.getByTestId("dry-run-step")).toContainText('CREATE TABLE "setup_tokens"');
  await expect(dryRun.getByTestId("dry-run-step")).toContainText(/already exists/);

  await panel.getByRole("button", { name: "Apply…" }).click();
  await panel.getByLabel("Your password").fill(SCHEMA_ADMIN.password);
  await panel.getByRole("button", { name: "Back up and apply" }).click();
  const outcome = panel.getByTestId("apply-outcome");
  await expect(outcome).toHaveAttribute("data-outcome", "failed", { timeout: 20_000 });
  await expect(outcome).toContainText(`Migration ${pendingName} failed`);
  await expect(outcome).toContainText('CREATE TABLE "setup_tokens"');
  const restoreCommand = (await outcome.locator("code", { hasText: "npm run cli -- restore" }).textContent())!;
  expect(restoreCommand).toMatch(/^npm run cli -- restore \S+-before-migrate\.(db|dump)$/);
  await expect(page.getByTestId("migration-summary")).toHaveAttribute("data-status", "degraded");
  await snapshot(page, testInfo, "migrations-apply-failed");

  const backupPath = restoreCommand.replace("npm run cli -- restore ", "");
  const refused = cli("restore", backupPath);
  expect(refused.status, refused.stderr).toBe(1);
  expect(refused.stderr).toMatch(/running panel.*stop the panel first \(or pass --force/);

  const restored = cli("restore", backupPath, "--force");
  expect(restored.status, restored.stderr).toBe(0);
  expect(restored.stdout).toContain("every session was ended");
  expect(restored.stdout).toContain(`Migration state now: Pending: 1 migration not applied: ${pendingName}.`);

  // Repair what made it fail, then migrate from the command line (a backup first, as always).
  await runSql(SCHEMA_SERVER, `DROP TABLE "setup_tokens";`);
  const migrate = cli("migrate");
  expect(migrate.status, migrate.stderr).toBe(0);
  expect(migrate.stdout).toMatch(/backing up … done: \S+before-migrate/);
  expect(migrate.stdout).toMatch(/To undo: npm run cli -- restore /);
  await expect.poll(async () => (await page.request.get("/api/health")).status(), { timeout: 15_000 }).toBe(200);
});

test("@schema an old database (auth migrations not applied): pending, reduced view without login; `migrate` → notice gone on the next poll", async ({
  page,
}, testInfo) => {
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
  // Nobody can sign in to test or apply from the page: the same steps for the server's command line.
  await expect(page.getByTestId("cli-safety-commands")).toContainText("npm run cli -- migrate --dry-run");
  await expect(page.getByTestId("cli-safety-commands")).toContainText("npm run cli -- restore --latest");
  await snapshot(page, testInfo, "migrations-pending-reduced-view");

  const migrate = cli("migrate");
  expect(migrate.status, migrate.stderr).toBe(0);
  expect(migrate.stdout).toMatch(/Applied 2 migrations;/);

  // The page polls /api/health and reloads itself: the auth tables are back, and empty.
  await expect(notice).toHaveCount(0, { timeout: 15_000 });
  await expect(page).toHaveURL(/\/setup$/);
  expect((await page.request.get("/api/health")).status()).toBe(200);
});
