"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { excludeRuleAction } from "@/lib/actions/sites";
import { eventKeys } from "@/lib/client/event-keys";
import { securityKeys } from "@/lib/client/security-keys";
import { siteKeys } from "@/lib/client/site-keys";
import { refreshDrift } from "./use-drift";
import { ActionFailure } from "./use-protection-mutation";

export interface ExcludeRuleInput {
  siteId: number;
  ruleId: number;
  reason?: string;
}

/**
 * "Exclude this rule for this site". Success or refusal both change what the server holds (a commit,
 * or a `rejected` audit row): the events (their rule now shows "excluded"), the sites, the audit log
 * and drift are read again before the mutation settles.
 */
export function useExcludeRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: ExcludeRuleInput) => {
      const result = await excludeRuleAction(input);
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: eventKeys.all }),
        queryClient.invalidateQueries({ queryKey: siteKeys.list() }),
        queryClient.invalidateQueries({ queryKey: securityKeys.auditAll() }),
        refreshDrift(queryClient),
      ]);
    },
  });
}
