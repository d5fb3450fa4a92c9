import { EventEmitter } from "node:events";
import { singleton } from "../process-registry";

// "An intent was committed" (any protection, scenario or rollback), for listeners in the same process:
// the drift detector re-checks right after every commit (the store surface is judged after every commit).
// In the process registry: Next.js may load this module twice in one process (instrumentation and
// routes), and a commit announced by one copy must reach listeners of the other.

export interface IntentCommitted {
  kind: "protection" | "rollback" | "scenario" | "adopt" | "recover" | "mirror" | "site" | "convert";
  version: number | null;
}

export const intentEvents: EventEmitter = singleton("intent-events", () => new EventEmitter().setMaxListeners(50));

export function announceCommit(event: IntentCommitted): void {
  intentEvents.emit("committed", event);
}
