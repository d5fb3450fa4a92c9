import pino from "pino";
import { LOGGER_KEY, loggerOptions } from "../log-config.mjs";
import { singleton } from "../process-registry";

// The CLI's stdout is its answer (a table, or JSON with --json); structured logs go to stderr.
// Imported first by main.ts, before lib/log creates the default (stdout) logger: whichever puts the
// logger in the process registry first is the one everybody uses.
singleton(LOGGER_KEY, () => pino(loggerOptions(), pino.destination({ fd: 2, sync: true })));
