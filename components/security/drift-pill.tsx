"use client";

import { useDrift } from "../hooks/use-drift";
import { useNow } from "../hooks/use-now";
import { StatusPill } from "../ui/status-pill";
import { driftPill } from "./header-pills";

/** The header's Drift pill, from the query the banner and the tab dots read. */
export function DriftPill() {
  const drift = useDrift();
  // Before hydration the clock is null: judge the snapshot's age at the time it was fetched.
  const now = useNow() ?? drift.dataUpdatedAt;
  const pill = driftPill(drift.data, { pollError: drift.isError ? drift.error.message : null, fetchedAt: drift.dataUpdatedAt, now });
  return <StatusPill href="/security" testId="drift-pill" label="Drift" {...pill} />;
}
