"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ActionError, ActionResult } from "@/lib/actions/action";
import { securityKeys } from "@/lib/client/security-keys";
import type { SecurityIntent } from "@/lib/security/intent";
import { refreshDrift } from "./use-drift";

/** An action's error, thrown so TanStack Query treats it as a failed mutation. */
export class ActionFailure extends Error {
  constructor(readonly error: ActionError) {
    super(error.message);
  }
}

/**
 * Wraps a server action of lib/security. Success or refusal both change what the server holds
 * (intent, or a `rejected` audit row), so both invalidate the status and audit keys, and the drift
 * snapshot (the detector re-checks on every commit: a new threshold is drift until applied). The
 * invalidation is awaited: the mutation settles (and the switch leaves its pending position) only
 * once the status was re-read, so a refused or rolled-back toggle shows the stored intent at once.
 */
export function useProtectionMutation<I>(kind: "toggle" | "update", action: (input: I) => Promise<ActionResult<SecurityIntent>>) {
  const queryClient = useQueryClient();
  return useMutation({
    // The status poll speeds up while any of these is in flight (use-security-status.ts).
    mutationKey: securityKeys.mutation(kind),
    mutationFn: async (input: I) => {
      const result = await action(input);
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: securityKeys.status() }),
        // A page fetched while the action ran can predate the change's runtime-result row (appended
        // after the commit), and an invalidation joins a first fetch still in flight instead of
        // restarting it: cancel such a fetch, then read again.
        queryClient.cancelQueries({ queryKey: securityKeys.auditAll() }).then(() => queryClient.invalidateQueries({ queryKey: securityKeys.auditAll() })),
        refreshDrift(queryClient),
      ]);
    },
  });
}
