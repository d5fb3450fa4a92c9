// Runs once per server process (Next.js calls register() at boot). Today it reports the schema's
// migration state; the boot gate (refuse to serve on a broken schema), the reconciler and the drift
// detector start here in later issues. The handle on globalThis keeps hot reload from running it twice.

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const state = globalThis as unknown as { wardenBooted?: boolean };
  if (state.wardenBooted) return;
  state.wardenBooted = true;

  const [{ env }, { log }, { summarizeMigrations }, { redactUrl }] = await Promise.all([
    import("./lib/env"),
    import("./lib/log"),
    import("./lib/migrations/summary"),
    import("./lib/db-url"),
  ]);
  const url = env().DATABASE_URL;
  const schema = await summarizeMigrations(url);
  const fields = { event: "boot_schema_check", database: redactUrl(url), ...schema };
  if (schema.health === "healthy") log.info(fields, "schema check: healthy");
  else log.error(fields, `schema check: ${schema.health} (${schema.reason}); run \`npm run cli -- migrate\``);
}

/** For tests: let register() run again in the same process. */
export function resetBootForTests(): void {
  (globalThis as unknown as { wardenBooted?: boolean }).wardenBooted = false;
}
