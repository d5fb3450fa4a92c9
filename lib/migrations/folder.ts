import "server-only";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Provider } from "../db-url";
import { env } from "../env";
import { migrationChecksum } from "./checksum";

export interface MigrationFile {
  name: string;
  path: string;
  script: string;
  checksum: string;
}

/** Prisma's folder layout, one per provider: prisma/<sqlite|postgres>/migrations/<timestamp>_<name>/migration.sql */
export function migrationsDir(provider: Provider, root = env().WARDEN_ROOT ?? process.cwd()): string {
  return resolve(root, "prisma", provider === "sqlite" ? "sqlite" : "postgres", "migrations");
}

/** Every migration folder, sorted by name (Prisma's order). A folder without migration.sql is an error. */
export function readMigrationFolder(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const path = join(dir, name, "migration.sql");
      if (!existsSync(path)) throw new Error(`migration ${name} has no migration.sql (${path})`);
      const script = readFileSync(path, "utf8");
      return { name, path, script, checksum: migrationChecksum(script) };
    });
}
