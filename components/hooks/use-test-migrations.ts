"use client";

import { useMutation } from "@tanstack/react-query";
import { testMigrationsAction } from "@/lib/actions/migrations";
import { migrationKeys } from "@/lib/client/migration-keys";
import { ActionFailure } from "./use-protection-mutation";

/** "Test on a copy": changes nothing on the server, so it invalidates nothing. */
export function useTestMigrations() {
  return useMutation({
    mutationKey: migrationKeys.mutation("test"),
    mutationFn: async () => {
      const result = await testMigrationsAction();
      if ("error" in result) throw new ActionFailure(result.error);
      return result.data;
    },
  });
}
