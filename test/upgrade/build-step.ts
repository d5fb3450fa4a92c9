import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { providerOf } from "../../lib/db-url";
import { openRawConnection } from "../../lib/migrations/connection";
import { migrationsDir, readMigrationFolder, type MigrationFile } from "../../lib/migrations/folder";
import { applyMigrations } from "../../lib/migrations/migrator";
import { insertSeed, type Seed } from "./seed";

// Builds the database of an earlier release: the migrations up to a step, each followed by its seed
// file's rows, exactly as a database that lived through those releases would hold them.
//   DATABASE_URL=file:./data/old.db npx tsx --conditions=react-server test/upgrade/build-step.ts 20261203000000_drift
// (an empty database; the step by name or by index from 0).

export const SEEDS_DIR = join(import.meta.dirname, "seeds");

export const seedPath = (migration: string) => join(SEEDS_DIR, `${migration}.ts`);

export async function loadSeed(migration: string): Promise<Seed> {
  const path = seedPath(migration);
  if (!existsSync(path)) throw new Error(`migration ${migration} has no seed file (${path}): every migration needs one, with rows for what it introduced`);
  const seedModule = (await import(pathToFileURL(path).href)) as { seed?: Seed };
  if (!seedModule.seed) throw new Error(`${path} exports no \`seed\``);
  return seedModule.seed;
}

/** The migrations of the URL's provider, in order. */
export const releasedMigrations = (url: string): MigrationFile[] => readMigrationFolder(migrationsDir(providerOf(url)));

/** Applies migrations 0…step to an empty database, each followed by its seed. Returns the applied names. */
export async function buildDatabaseAtStep(url: string, step: number): Promise<string[]> {
  const files = releasedMigrations(url);
  if (step < 0 || step >= files.length) throw new Error(`step ${step} is out of range: there are ${files.length} migrations (0…${files.length - 1})`);
  const conn = await openRawConnection(url);
  try {
    for (let i = 0; i <= step; i++) {
      await applyMigrations(conn, files.slice(0, i + 1));
      await insertSeed(conn, await loadSeed(files[i]!.name));
    }
  } finally {
    await conn.close();
  }
  return files.slice(0, step + 1).map((f) => f.name);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const url = process.env.DATABASE_URL ?? "file:./data/warden.db";
  const wanted = process.argv[2];
  const files = releasedMigrations(url);
  const step = wanted === undefined ? -1 : /^\d+$/.test(wanted) ? Number(wanted) : files.findIndex((f) => f.name === wanted);
  if (step < 0) {
    console.error(
      `usage: DATABASE_URL=… npx tsx --conditions=react-server test/upgrade/build-step.ts <migration name | index>\nmigrations: ${files.map((f, i) => `${i} ${f.name}`).join(", ")}`,
    );
    process.exit(2);
  }
  buildDatabaseAtStep(url, step).then(
    (names) => console.log(`built the database at ${names.at(-1)} (${names.length} migrations, each with its seed)`),
    (error: unknown) => {
      console.error(`FAILED: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
