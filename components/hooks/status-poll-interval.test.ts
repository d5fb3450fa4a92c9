import { describe, expect, it } from "vitest";
import type { RuntimeObservation, RuntimeState } from "@/lib/engine/drivers";
import type { SecurityStatus } from "@/lib/actions/security/security-queries";
import { STATUS_FAST_POLL_INTERVAL_MS, STATUS_POLL_INTERVAL_MS, statusPollInterval } from "./status-poll-interval";

const observed = (state: RuntimeState, extra: Partial<RuntimeObservation> = {}): RuntimeObservation => ({
  protection: "crowdsec",
  state,
  summary: "",
  observedAt: "2025-03-01T12:00:00.000Z",
  ...extra,
});
const status = (crowdsec: RuntimeObservation): SecurityStatus =>
  ({
    intent: {} as SecurityStatus["intent"],
    runtime: { crowdsec, waf: observed("unmanaged"), rate_limit: observed("unmanaged") },
    checkedAt: "",
  }) as SecurityStatus;

describe("statusPollInterval", () => {
  it("polls often enough that a dead agent shows within 2 s", () => {
    expect(statusPollInterval(status(observed("running")), false)).toBe(STATUS_POLL_INTERVAL_MS);
    // One interval plus the request itself must fit in the 2 s the issue allows.
    expect(STATUS_POLL_INTERVAL_MS).toBeLessThanOrEqual(1_000);
  });

  it.each(["starting", "stopping"] as const)("polls faster while a runtime is %s", (state) => {
    expect(statusPollInterval(status(observed(state)), false)).toBe(STATUS_FAST_POLL_INTERVAL_MS);
  });

  it("polls faster while the boot reconciler has not run, and while a change is in flight", () => {
    expect(statusPollInterval(status(observed("stopped", { reconciling: true })), false)).toBe(STATUS_FAST_POLL_INTERVAL_MS);
    expect(statusPollInterval(status(observed("stopped")), true)).toBe(STATUS_FAST_POLL_INTERVAL_MS);
    expect(statusPollInterval(undefined, true)).toBe(STATUS_FAST_POLL_INTERVAL_MS);
  });

  it("goes back to the normal cadence once everything has settled", () => {
    for (const state of ["running", "stopped", "failed", "external", "not_installed", "unmanaged"] as const) {
      expect(statusPollInterval(status(observed(state)), false)).toBe(STATUS_POLL_INTERVAL_MS);
    }
    expect(statusPollInterval(undefined, false)).toBe(STATUS_POLL_INTERVAL_MS);
    expect(STATUS_FAST_POLL_INTERVAL_MS).toBeLessThan(STATUS_POLL_INTERVAL_MS);
  });
});
