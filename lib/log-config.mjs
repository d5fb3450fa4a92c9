// @ts-check
// The one logger configuration, shared by the app (lib/log.ts) and the HTTP server (server.mjs, which
// cannot load TypeScript): JSON lines, ISO time, level names. The logger lives on globalThis so the
// server and the app (Next.js loads modules more than once) write through the same instance.
import pino from "pino";

/** @returns {import("pino").Logger} */
export function sharedLogger() {
  const holder = /** @type {{ wardenLogger?: import("pino").Logger }} */ (globalThis);
  holder.wardenLogger ??= pino({
    name: "warden",
    level: process.env.WARDEN_LOG_LEVEL ?? "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  return holder.wardenLogger;
}
