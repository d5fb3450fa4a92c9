import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Provider } from "../lib/db-url";
import { resetEnvCache } from "../lib/env";
import { listBackups } from "../lib/migrations/backup/catalog";
import { migrationsDir, readMigrationFolder } from "../lib/migrations/folder";
import { resetSchemaGate, runBootGate } from "../lib/migrations/gate";
import { digestTables } from "./support/db-snapshot";
import { dropTestDatabases, emptyDatabase, tempDir } from "./support/databases";
import { buildDatabaseAtStep, loadSeed, seedPath } from "./upgrade/build-step";

// Upgrade tests from every released schema with its data: for each earlier migration step, a database
// built from the migrations up to it and their seed files, then booted by the panel's gate with
// WARDEN_MIGRATE_ON_BOOT (a backup first, then every later migration). Every pre-existing row must
// be intact (row counts and a digest of every row's pre-existing columns) and the panel healthy.

afterAll(dropTestDatabases);
afterEach(() => {
  for (const key of ["WARDEN_MIGRATE_ON_BOOT", "WARDEN_DATA_DIR"]) delete process.env[key];
  resetEnvCache();
  resetSchemaGate();
});

const PROVIDERS = ["sqlite", "postgresql"] as const;
const names = (provider: Provider) => readMigrationFolder(migrationsDir(provider)).map((m) => m.name);

/** Which tables a migration creates or alters (from its SQL). */
function tablesTouched(provider: Provider, migration: string): string[] {
  const file = readMigrationFolder(migrationsDir(provider)).find((m) => m.name === migration)!;
  return [...new Set([...file.script.matchAll(/(?:CREATE\s+TABLE|ALTER\s+TABLE)\s+"?(\w+)"?/gi)].map((m) => m[1]!))];
}

describe("seed files", () => {
  it.each(PROVIDERS)("every %s migration has a seed file with rows for each table it creates or alters", async (provider) => {
    const missing = names(provider).filter((name) => !existsSync(seedPath(name)));
    expect(missing, "migrations without a seed file in test/upgrade/seeds/").toEqual([]);
    for (const name of names(provider)) {
      const seed = await loadSeed(name);
      for (const table of tablesTouched(provider, name)) expect(seed[table]?.length ?? 0, `${name}: its seed has no rows for ${table}`).toBeGreaterThan(0);
    }
  });

  it("a migration without a seed file fails the build of its step", async () => {
    await expect(loadSeed("20990101000000_no_seed")).rejects.toThrow(/migration 20990101000000_no_seed has no seed file/);
  });
});

describe.each(PROVIDERS)("upgrade to head on %s", (provider) => {
  const steps = names(provider).slice(0, -1);
  it.each(steps.map((name, step) => [name, step] as const))(
    "from %s (step %i) with its data: every row kept, the panel healthy at boot",
    async (_name, step) => {
      const url = await emptyDatabase(provider);
      const applied = await buildDatabaseAtStep(url, step);
      const before = await digestTables(url);
      delete before._prisma_migrations;
      for (const [table, digest] of Object.entries(before)) expect(digest.rows, `${table} is seeded at step ${step}`).toBeGreaterThan(0);

      const dataDir = tempDir();
      process.env.WARDEN_MIGRATE_ON_BOOT = "true";
      process.env.WARDEN_DATA_DIR = dataDir;
      resetEnvCache();
      resetSchemaGate();
      const gate = await runBootGate(url);
      expect(gate.report.summary).toBe(`Healthy: ${names(provider).length} migrations applied, schema complete.`);
      expect(gate.ok).toBe(true);

      // The columns each table had before: same rows, same values.
      const after = await digestTables(url, Object.fromEntries(Object.entries(before).map(([t, d]) => [t, d.columns])));
      expect(after).toEqual(before);

      // The boot took a backup of the old database first, holding exactly the migrations it had.
      const backups = listBackups(join(dataDir, "backups"));
      expect(backups).toHaveLength(1);
      expect(backups[0]!.migrations).toEqual(applied);
    },
  );

  it("the head step builds (every seed applies to the current schema) and is healthy", async () => {
    const url = await emptyDatabase(provider);
    await buildDatabaseAtStep(url, names(provider).length - 1);
    resetSchemaGate();
    expect((await runBootGate(url)).report.status).toBe("healthy");
  });
});
