import { describe, expect, it } from "vitest";
import { DRIFT_POLL_INTERVAL_MS, DRIFT_SETTLE_POLL_INTERVAL_MS, driftPollInterval } from "./drift-poll-interval";

describe("driftPollInterval", () => {
  it("reads the cached snapshot every 10 s normally", () => {
    expect(driftPollInterval(false, 1_000, 0)).toBe(DRIFT_POLL_INTERVAL_MS);
    expect(DRIFT_POLL_INTERVAL_MS).toBe(10_000);
  });

  it("polls fast while a change is in flight or just after one", () => {
    expect(driftPollInterval(true, 1_000, 0)).toBe(DRIFT_SETTLE_POLL_INTERVAL_MS);
    expect(driftPollInterval(false, 1_000, 5_000)).toBe(DRIFT_SETTLE_POLL_INTERVAL_MS);
    expect(driftPollInterval(false, 5_000, 5_000)).toBe(DRIFT_POLL_INTERVAL_MS);
  });
});
