import type pino from "pino";
import { sharedLogger } from "./log-config.mjs";

// One structured event per decision: fields, not prose. WARN for a skipped guard, never DEBUG.
export const log: pino.Logger = sharedLogger();
