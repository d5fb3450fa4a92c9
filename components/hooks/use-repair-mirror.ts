"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { repairMirrorAction } from "@/lib/actions/security/repair-mirror";
import { securityKeys } from "@/lib/client/security-keys";
import { ActionFailure } from "./use-protection-mutation";
import { refreshDrift } from "./use-drift";

/** "Rewrite the mirror from the config" (store drift). The banner clears when the detector agrees. */
export function useRepairMirror() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: securityKeys.mutation("repair-mirror"),
    mutationFn: async () => {
      const result = await repairMirrorAction();
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
    onSettled: async () => {
      await Promise.all([
        refreshDrift(queryClient),
        queryClient.invalidateQueries({ queryKey: securityKeys.status() }),
        queryClient.invalidateQueries({ queryKey: securityKeys.auditAll() }),
      ]);
    },
  });
}
