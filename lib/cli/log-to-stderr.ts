import pino from "pino";

// The CLI's stdout is its answer (a table, or JSON with --json); structured logs go to stderr.
// Imported first by main.ts, before lib/log creates the default (stdout) logger.
const globalForLog = globalThis as unknown as { wardenLogger?: pino.Logger };
globalForLog.wardenLogger ??= pino(
  {
    name: "warden",
    level: process.env.WARDEN_LOG_LEVEL ?? "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  },
  pino.destination({ fd: 2, sync: true }),
);
