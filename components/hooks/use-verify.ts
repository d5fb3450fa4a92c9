"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { verifyProtectionAction } from "@/lib/actions/security/verify";
import { securityKeys } from "@/lib/client/security-keys";
import { refreshDrift } from "./use-drift";
import { ActionFailure } from "./use-protection-mutation";

/** "Verify protection" (every enabled site, or one): the cards and the edge's drift follow the run. */
export function useVerify() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: securityKeys.mutation("verify"),
    mutationFn: async (siteId?: number) => {
      const result = await verifyProtectionAction(siteId === undefined ? {} : { siteId });
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
