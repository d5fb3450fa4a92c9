import "server-only";
import { advisoryLockSql } from "../advisory-locks";
import { providerOf, redactUrl } from "../db-url";
import { log } from "../log";
import { takeBackup } from "./backup/take-backup";
import type { BackupEntry } from "./backup/catalog";
import { openRawConnection } from "./connection";
import { describeDatabaseError } from "./db-errors";
import { migrationsDir, readMigrationFolder } from "./folder";
import { readHistory } from "./history";
import { readLiveColumns } from "./live-schema";
import { applyMigrations, MigrationError, type MigrateEvents, type MigrateResult } from "./migrator";

// Every way Warden applies migrations (the CLI, boot with WARDEN_MIGRATE_ON_BOOT, Apply on the
// health page) goes through here: under the migration lock, a backup first, then the migrator.

export type BackupSkipped = "nothing-pending" | "fresh-install" | "no-backup";

export interface SafeMigrateOptions {
  /** false: `--no-backup` (skipped with a WARN). */
  backup?: boolean;
  /** The migrations folder (default: the provider's). */
  migrationsDir?: string;
  /** Where backups go (default <WARDEN_DATA_DIR>/backups). */
  backupsDir?: string;
  events?: MigrateEvents & { onBackupStart?(): void; onBackup?(backup: BackupEntry): void };
}

export interface SafeMigrateResult extends MigrateResult {
  backup: BackupEntry | null;
  backupSkipped: BackupSkipped | null;
}

/** A migration failed after the backup was taken: the backup and the command that restores it. */
export class MigrationFailedAfterBackup extends Error {
  constructor(
    readonly failure: MigrationError,
    readonly backup: BackupEntry | null,
    skipped: BackupSkipped | null,
  ) {
    super(
      backup
        ? `${failure.message}\nThe backup taken before migrating is ${backup.path}; to return to it: ${backup.restoreCommand}`
        : `${failure.message}\nNo backup was taken before migrating (${skipped === "no-backup" ? "--no-backup" : "a fresh database"}).`,
    );
    this.name = "MigrationFailedAfterBackup";
  }
}

export async function migrateSafely(url: string, options: SafeMigrateOptions = {}): Promise<SafeMigrateResult> {
  const provider = providerOf(url);
  const files = readMigrationFolder(options.migrationsDir ?? migrationsDir(provider));
  let conn;
  try {
    conn = await openRawConnection(url);
  } catch (error) {
    throw new Error(`cannot open the database ${redactUrl(url)}: ${describeDatabaseError(url, error)}`);
  }
  // The migrator takes this lock again itself (session advisory locks nest): held from before the
  // backup, so two replicas applying at once back up and migrate one after the other.
  if (provider === "postgresql") await conn.query(advisoryLockSql.lock("migrate"));
  try {
    const history = await readHistory(conn);
    const applied = new Set(history.filter((h) => h.finishedAt && !h.rolledBackAt).map((h) => h.migrationName));
    const pending = files.filter((f) => !applied.has(f.name));
    const tables = [...(await readLiveColumns(conn)).tables].filter((t) => t !== "_prisma_migrations");
    let backup: BackupEntry | null = null;
    let skipped: BackupSkipped | null = null;
    const fields = { source: "lib/migrations/safe-migrate", database: redactUrl(url), pending: pending.map((f) => f.name) };
    if (pending.length === 0) skipped = "nothing-pending";
    else if (tables.length === 0 && history.length === 0) {
      skipped = "fresh-install";
      log.info(
        { event: "backup_skipped", reason: "fresh install: no tables, no history", ...fields },
        "no backup before migrating: a fresh database has nothing to lose",
      );
    } else if (options.backup === false) {
      skipped = "no-backup";
      log.warn(
        { event: "backup_skipped", reason: "--no-backup", ...fields },
        "migrating WITHOUT a backup (--no-backup): if a migration fails there is no copy to restore",
      );
    } else {
      options.events?.onBackupStart?.();
      // A failed backup throws: nothing is migrated.
      backup = await takeBackup(url, { reason: "before-migrate", dir: options.backupsDir });
      options.events?.onBackup?.(backup);
    }
    try {
      const result = await applyMigrations(conn, files, options.events);
      return { ...result, backup, backupSkipped: skipped };
    } catch (error) {
      if (error instanceof MigrationError && skipped !== "nothing-pending") throw new MigrationFailedAfterBackup(error, backup, skipped);
      throw error;
    }
  } finally {
    if (provider === "postgresql") await conn.query(advisoryLockSql.unlock("migrate")).catch(() => undefined);
    await conn.close();
  }
}
