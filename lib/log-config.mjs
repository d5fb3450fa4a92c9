// @ts-check
// The one logger configuration, shared by the app (lib/log.ts), the CLI (lib/cli/log-to-stderr.ts) and
// the HTTP server (server.mjs, which cannot load TypeScript): JSON lines, ISO time, level names. The
// logger is kept in the process registry (lib/process-registry.ts) so the server and the app (Next.js
// loads modules more than once) write through the same instance; this file is plain JS, so it reaches
// the registry's map through the same `Symbol.for` key itself. It reads WARDEN_LOG_LEVEL itself for the
// same reason (lib/env.ts validates it too), with the schema's rule: empty means unset.
import pino from "pino";

const REGISTRY = Symbol.for("warden.process-registry");
/** The registry's key for the process's logger (lib/cli/log-to-stderr.ts sets it first in the CLI). */
export const LOGGER_KEY = "logger";

/** @returns {import("pino").LoggerOptions} */
export function loggerOptions() {
  return {
    name: "warden",
    level: process.env.WARDEN_LOG_LEVEL?.trim() || "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** @returns {import("pino").Logger} */
export function sharedLogger() {
  const holder = /** @type {{ [REGISTRY]?: Map<string, unknown> }} */ (/** @type {unknown} */ (globalThis));
  const entries = (holder[REGISTRY] ??= new Map());
  if (!entries.has(LOGGER_KEY)) entries.set(LOGGER_KEY, pino(loggerOptions()));
  return /** @type {import("pino").Logger} */ (entries.get(LOGGER_KEY));
}
