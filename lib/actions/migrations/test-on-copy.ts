"use server";

import "server-only";
import { runAction, type ActionResult } from "../action";
import { parseNoInput } from "../no-input";
import { env } from "../../env";
import { MigrationSafetyError } from "../../errors";
import { dryRunMigrations, type DryRunReport } from "../../migrations/backup/dry-run";
import { BackupError } from "../../migrations/backup/catalog";

// "Test on a copy" on the health page: the pending migrations applied to a throwaway copy of the
// database (the database itself is only read), reported per migration. Takes no input.

export async function testMigrationsAction(input?: unknown): Promise<ActionResult<DryRunReport>> {
  return runAction(
    "testMigrations",
    async () => {
      parseNoInput(input, "Test on a copy");
      try {
        return await dryRunMigrations(env().DATABASE_URL);
      } catch (error) {
        if (error instanceof BackupError) throw new MigrationSafetyError(error.message);
        throw error;
      }
    },
    { allowDegraded: true },
  );
}
