import { providerOf } from "../db-url";
import { scriptMatchesChecksum } from "./checksum";
import { openRawConnection } from "./connection";
import { migrationsDir, readMigrationFolder } from "./folder";
import { readHistory } from "./history";

export type SchemaHealth = "healthy" | "pending" | "degraded";

export interface MigrationSummary {
  health: SchemaHealth;
  applied: number;
  pending: number;
  failed: number;
  modified: number;
  unknown: number;
  /** One sentence for the header pill and logs. */
  reason: string;
}

/** A short summary of migration state (the full report and boot gate come with migration health). */
export async function summarizeMigrations(url: string): Promise<MigrationSummary> {
  let conn;
  try {
    conn = await openRawConnection(url);
  } catch (error) {
    return { health: "degraded", applied: 0, pending: 0, failed: 0, modified: 0, unknown: 0, reason: `database unreachable: ${(error as Error).message}` };
  }
  try {
    const files = readMigrationFolder(migrationsDir(providerOf(url)));
    const history = await readHistory(conn);
    const live = history.filter((h) => !h.rolledBackAt);
    const failed = live.filter((h) => !h.finishedAt).length;
    const finished = live.filter((h) => h.finishedAt);
    const applied = files.filter((f) => finished.some((h) => h.migrationName === f.name)).length;
    const modified = files.filter((f) => finished.some((h) => h.migrationName === f.name && !scriptMatchesChecksum(f.script, h.checksum))).length;
    const unknown = [...new Set(live.map((h) => h.migrationName))].filter((n) => !files.some((f) => f.name === n)).length;
    const pending = files.length - applied;
    const health: SchemaHealth = failed || modified || unknown ? "degraded" : pending ? "pending" : "healthy";
    const reason =
      health === "healthy"
        ? `${applied} migration(s) applied`
        : [failed && `${failed} failed`, modified && `${modified} modified`, unknown && `${unknown} unknown`, pending && `${pending} pending`]
            .filter(Boolean)
            .join(", ");
    return { health, applied, pending, failed, modified, unknown, reason };
  } finally {
    await conn.close();
  }
}
