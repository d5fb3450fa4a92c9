"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/client/fetch-json";
import { migrationKeys } from "@/lib/client/migration-keys";
import type { BackupEntry } from "@/lib/migrations/backup/catalog";

// Backups appear when someone migrates or runs `npm run cli -- backup`: the page's own Apply
// invalidates this at once; 15 s picks up the CLI's without listing the directory every second.
export const BACKUPS_POLL_INTERVAL_MS = 15_000;

export function useBackups() {
  return useQuery({
    queryKey: migrationKeys.backups(),
    queryFn: ({ signal }) => fetchJson<{ dir: string; backups: BackupEntry[] }>("/api/migrations/backups", signal),
    refetchInterval: BACKUPS_POLL_INTERVAL_MS,
  });
}
