"use client";

import { useSyncExternalStore } from "react";

// One shared one-second clock for every timestamp and uptime on the page (one timer, however many
// readers). The server snapshot is null, so the server renders absolute times and the browser
// switches to relative ones after hydration without a mismatch.
let clockNow = Date.now();
const listeners = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!ticker) clockNow = Date.now();
  ticker ??= setInterval(() => {
    clockNow = Date.now();
    listeners.forEach((l) => l());
  }, 1_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
}

/** Milliseconds since the epoch, re-rendering every second; null while rendering on the server. */
export function useNow(): number | null {
  return useSyncExternalStore(
    subscribe,
    () => clockNow,
    () => null,
  );
}
