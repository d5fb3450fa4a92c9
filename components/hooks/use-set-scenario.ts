"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { setScenarioAction } from "@/lib/actions/security/set-scenario";
import { securityKeys } from "@/lib/client/security-keys";
import { ActionFailure } from "./use-protection-mutation";
import { refreshDrift } from "./use-drift";

export interface ScenarioSwitch {
  name: string;
  enabled: boolean;
  /** The row's intent version as shown (0: no row yet). */
  expectedVersion: number;
}

/**
 * One scenario's intent switch (one mutation per row, so two rows can be in flight at once). The
 * list is re-read before the mutation settles: a refused or conflicting switch then shows the stored
 * intent at once.
 */
export function useSetScenario() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: securityKeys.mutation("scenario"),
    mutationFn: async (input: ScenarioSwitch) => {
      const result = await setScenarioAction(input);
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: securityKeys.scenariosAll() }),
        refreshDrift(queryClient),
        queryClient.invalidateQueries({ queryKey: securityKeys.auditAll() }),
      ]);
    },
  });
}
