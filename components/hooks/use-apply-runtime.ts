"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { applyRuntimeAction } from "@/lib/actions/security/apply-runtime";
import { securityKeys } from "@/lib/client/security-keys";
import { ActionFailure } from "./use-protection-mutation";
import { refreshDrift } from "./use-drift";

/**
 * "Apply to runtime". It does not clear the banner itself: the action returns after the detector
 * re-checked, and the banner follows the snapshot it then reads (cleared only if the runtime matches).
 */
export function useApplyRuntime() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: securityKeys.mutation("apply"),
    mutationFn: async () => {
      const result = await applyRuntimeAction();
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
    onSettled: async () => {
      await Promise.all([
        refreshDrift(queryClient),
        queryClient.invalidateQueries({ queryKey: securityKeys.scenariosAll() }),
        queryClient.invalidateQueries({ queryKey: securityKeys.status() }),
        queryClient.invalidateQueries({ queryKey: securityKeys.auditAll() }),
      ]);
    },
  });
}
