import "server-only";
import { resolve } from "node:path";

// Runs once per server process (register() in instrumentation.ts calls it at boot, in the Node.js
// runtime): the data directory (0711), then the schema gate checks migrations and schema before the
// panel serves (applying pending ones when WARDEN_MIGRATE_ON_BOOT allows), else the panel runs in
// schema-degraded mode; while no admin exists, the one-time setup link is printed. The database is
// marked in use for the process's life (restore refuses while a panel runs). Then, in the background
// (boot never waits for the runtime), the reconciler makes the runtime match the intent. A flag in the
// process registry keeps hot reload from running it twice.

export async function bootNode(): Promise<void> {
  const { processSlot } = await import("./lib/process-registry");
  const booted = processSlot<boolean>("booted");
  if (booted.get()) return;
  booted.set(true);

  // The whole configuration (lib/env.ts), parsed at boot: a bad value anywhere (e.g.
  // WARDEN_LOGIN_ACCOUNT_CEILING=lots) stops the process now, with the variable's name, instead of at
  // the first sign-in or the first CrowdSec start.
  const { env } = await import("./lib/env");
  try {
    env();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }

  const { runBootGate } = await import("./lib/migrations/gate");
  const { log } = await import("./lib/log");
  const { behindWardenServer } = await import("./lib/auth/client-info");
  if (!behindWardenServer()) {
    log.warn(
      { event: "started_without_server", source: "instrumentation" },
      "started without server.mjs (e.g. a bare `next start`): client addresses are unknown and pages get no CSP; start the panel with `npm run start`",
    );
  }
  const { ensureDataDirectory } = await import("./lib/private-files");
  ensureDataDirectory(resolve(env().WARDEN_DATA_DIR));
  // For the process's whole life: `npm run cli -- restore` refuses while a panel uses the database.
  const { holdDatabaseInUse } = await import("./lib/migrations/backup/in-use");
  try {
    holdDatabaseInUse(env().DATABASE_URL);
  } catch (error) {
    log.warn(
      { event: "in_use_lock_failed", source: "instrumentation", reason: (error as Error).message },
      "could not mark the database in use: a restore would not see this panel",
    );
  }
  let healthy = false;
  try {
    healthy = (await runBootGate()).ok;
  } catch (error) {
    // The gate reports a broken database as degraded; reaching here means the gate itself failed.
    log.error({ event: "boot_gate_failed", reason: (error as Error).message }, "schema gate failed at boot; requests will re-check");
  }
  if (healthy) {
    // While no admin exists: make (once) and print the one-time setup link. /setup makes it later if
    // the schema becomes healthy only after boot.
    const [{ ensureSetupToken }, { db }] = await Promise.all([import("./lib/auth/setup-token"), import("./lib/db")]);
    await ensureSetupToken(db()).catch((error: unknown) =>
      log.error({ event: "setup_token_failed", source: "instrumentation", reason: (error as Error).message }, "could not prepare the first-run setup token"),
    );
  }
  const { startBootReconcile } = await import("./lib/reconcile/boot");
  void startBootReconcile();
}
