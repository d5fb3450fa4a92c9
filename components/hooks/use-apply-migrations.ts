"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { applyMigrationsAction } from "@/lib/actions/migrations";
import { migrationKeys } from "@/lib/client/migration-keys";
import { ActionFailure } from "./use-protection-mutation";

/** "Apply": the report, the health verdict (header pill, notices) and the backup list all change. */
export function useApplyMigrations() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: migrationKeys.mutation("apply"),
    mutationFn: async (password: string) => {
      const result = await applyMigrationsAction({ password });
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: migrationKeys.report() }),
        queryClient.invalidateQueries({ queryKey: migrationKeys.health() }),
        queryClient.invalidateQueries({ queryKey: migrationKeys.backups() }),
      ]);
    },
  });
}
