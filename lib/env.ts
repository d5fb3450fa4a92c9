import type { z } from "zod";
import { ENV_VARIABLES, parseEnv, presentVariables, type ZEnv } from "./env-schema.mjs";

// The process's configuration, typed: the one schema (lib/env-schema.mjs: every WARDEN_*, CROWDSEC_*,
// DATABASE_URL and PORT variable, empty = unset, errors naming the variable) read through env().
// Nothing else in app/, components/ or lib/ reads process.env (an ESLint rule), except the runtime's
// own variables: NEXT_RUNTIME, UV_THREADPOOL_SIZE, the environment handed to a child process, and
// lib/log-config.mjs (plain JS shared with server.mjs; it applies the same empty rule).

export type Env = z.infer<typeof ZEnv>;

export { ENV_VARIABLES, parseEnv };

let cached: { key: string; env: Env } | undefined;

/**
 * The process's configuration. Parsed once; parsed again only if one of its variables changed since
 * (tests change the environment between cases; a running panel's never does), which costs a read of
 * each variable rather than a parse.
 */
export function env(): Env {
  const key = JSON.stringify(presentVariables(process.env));
  if (cached?.key !== key) cached = { key, env: parseEnv(process.env) };
  return cached.env;
}

/** For tests: forget the parsed configuration (the next env() parses again). */
export function resetEnvCache(): void {
  cached = undefined;
}
