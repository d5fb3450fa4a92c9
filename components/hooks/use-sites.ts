"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ActionResult } from "@/lib/actions/action";
import type { SitesView } from "@/lib/actions/sites/sites-queries";
import { fetchJson } from "@/lib/client/fetch-json";
import { securityKeys } from "@/lib/client/security-keys";
import { siteKeys } from "@/lib/client/site-keys";
import type { SiteCommit } from "@/lib/sites/site-store";
import { refreshDrift } from "./use-drift";
import { ActionFailure } from "./use-protection-mutation";

/** Another admin's change shows within this; a site's own change is re-read at once after its mutation. */
export const SITES_POLL_INTERVAL_MS = 2_000;

/** The sites list, polled (another admin's change, the edge's confirmation). */
export function useSites(initial: SitesView) {
  return useQuery({
    queryKey: siteKeys.list(),
    queryFn: ({ signal }) => fetchJson<SitesView>("/api/sites", signal),
    initialData: initial,
    refetchInterval: SITES_POLL_INTERVAL_MS,
    retry: 1,
  });
}

/**
 * One site change (add, edit, remove, exclusion). Success or refusal both change what the server holds
 * (a commit, or a `rejected` audit row): the list, the audit log and drift are read again before the
 * mutation settles.
 */
export function useSiteMutation<I>(action: (input: I) => Promise<ActionResult<SiteCommit>>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: I) => {
      const result = await action(input);
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: siteKeys.list() }),
        queryClient.invalidateQueries({ queryKey: securityKeys.auditAll() }),
        refreshDrift(queryClient),
      ]);
    },
  });
}
