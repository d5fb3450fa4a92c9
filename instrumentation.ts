// Runs once per server process (Next.js calls register() at boot): the schema gate checks
// migrations and schema before the panel serves (applying pending ones when WARDEN_MIGRATE_ON_BOOT
// allows), else the panel runs in schema-degraded mode. The reconciler and the drift detector will
// start here, after the gate, in later issues. The flag on globalThis keeps hot reload from running
// it twice.

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const state = globalThis as unknown as { wardenBooted?: boolean };
  if (state.wardenBooted) return;
  state.wardenBooted = true;

  const { runBootGate } = await import("./lib/migrations/gate");
  const { log } = await import("./lib/log");
  try {
    await runBootGate();
  } catch (error) {
    // The gate reports a broken database as degraded; reaching here means the gate itself failed.
    log.error({ event: "boot_gate_failed", reason: (error as Error).message }, "schema gate failed at boot; requests will re-check");
  }
}
