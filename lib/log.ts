import pino from "pino";

// One structured event per decision: fields, not prose. WARN for a skipped guard, never DEBUG.
const globalForLog = globalThis as unknown as { wardenLogger?: pino.Logger };

export const log: pino.Logger =
  globalForLog.wardenLogger ??
  pino({
    name: "warden",
    level: process.env.WARDEN_LOG_LEVEL ?? "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });

globalForLog.wardenLogger = log;
