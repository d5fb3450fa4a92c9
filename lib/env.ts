import { z } from "zod";

// Environment is validated once, on first use; a bad value fails fast with the variable's name.
const ZEnv = z.object({
  DATABASE_URL: z
    .string()
    .min(1)
    .default("file:./data/warden.db")
    .refine((url) => url.startsWith("file:") || /^postgres(ql)?:\/\//.test(url), {
      message: "must be a file: URL (SQLite) or a postgres:// URL (PostgreSQL)",
    }),
  WARDEN_DATA_DIR: z.string().min(1).default("./data"),
  WARDEN_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WARDEN_MIGRATE_ON_BOOT: z.enum(["true", "false", "1", "0", ""]).optional(),
  // Backups under <WARDEN_DATA_DIR>/backups: how many to keep (older ones are removed after a new one).
  WARDEN_BACKUP_RETENTION: z.coerce.number().int().min(1).max(1000).default(10),
  // Where pg_dump, pg_restore and psql are (unset: the PATH), e.g. /usr/lib/postgresql/16/bin.
  WARDEN_PG_BIN_DIR: z.string().min(1).optional(),
  // How often the browser polls the status endpoint; the server only reports it.
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
});

export type Env = z.infer<typeof ZEnv>;

let cached: Env | undefined;

/** Parses process.env with a schema; a bad value throws one message naming each variable. */
export function parseEnvironment<T>(schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}

export function env(): Env {
  cached ??= parseEnvironment(ZEnv);
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}
