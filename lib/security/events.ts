import { EventEmitter } from "node:events";

// "An intent was committed" (any protection, scenario or rollback), for listeners in the same process:
// the drift detector re-checks right after every commit (DECISIONS: `store` after every commit).
// On globalThis: Next.js may load this module twice in one process (instrumentation and routes).

export interface IntentCommitted {
  kind: "protection" | "rollback" | "scenario" | "adopt" | "recover" | "mirror";
  version: number | null;
}

const globalForEvents = globalThis as unknown as { wardenIntentEvents?: EventEmitter };

export const intentEvents: EventEmitter = (globalForEvents.wardenIntentEvents ??= new EventEmitter().setMaxListeners(50));

export function announceCommit(event: IntentCommitted): void {
  intentEvents.emit("committed", event);
}
