"use client";

import { useSecurityStatus } from "../hooks/use-security-status";
import { StatusPill } from "../ui/status-pill";
import { enginePill } from "./header-pills";

/** The header's Engine pill: CrowdSec's observed runtime state, from the security status query. */
export function EnginePill() {
  const status = useSecurityStatus();
  const pill = enginePill(status.data?.runtime.crowdsec, status.isError ? status.error.message : null);
  return <StatusPill href="/security" testId="engine-pill" label="Engine" {...pill} />;
}
