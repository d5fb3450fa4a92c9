// How the agent's modules wait, and how they say how long something took.

/** Poll interval while waiting on the agent (its log, its pid). */
export const POLL_MS = 25;

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
