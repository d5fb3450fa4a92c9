import "server-only";
import { providerOf, redactUrl } from "../db-url";
import { openRawConnection } from "./connection";
import { migrationsDir, readMigrationFolder } from "./folder";
import { applyMigrations, type MigrateEvents, type MigrateResult } from "./migrator";

/** Opens the database at `url`, applies its provider's pending migrations, closes. Throws on failure. */
export async function migrateDatabase(url: string, events: MigrateEvents = {}, dir?: string): Promise<MigrateResult> {
  const files = readMigrationFolder(dir ?? migrationsDir(providerOf(url)));
  let conn;
  try {
    conn = await openRawConnection(url);
  } catch (error) {
    throw new Error(`cannot open the database ${redactUrl(url)}: ${(error as Error).message}`);
  }
  try {
    return await applyMigrations(conn, files, events);
  } finally {
    await conn.close();
  }
}
