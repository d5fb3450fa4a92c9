"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/client/fetch-json";
import { migrationKeys } from "@/lib/client/migration-keys";
import type { MigrationJob } from "@/lib/migrations/job";
import type { MigrationReport } from "@/lib/migrations/report";

// An admin fixing the schema runs a command on the server and watches this page: 5 s shows the
// result promptly; the server caches the report for 1 s, so polling costs it almost nothing.
export const MIGRATIONS_POLL_INTERVAL_MS = 5_000;
// While migrations are being applied from this page: each step takes milliseconds to seconds, and the
// admin watches them one by one.
export const MIGRATIONS_PROGRESS_POLL_INTERVAL_MS = 500;

export type ReportWithSince = MigrationReport & { degradedSince: string | null; job?: MigrationJob | null };

export function useMigrationReport(initialData: ReportWithSince, { applying = false } = {}) {
  return useQuery({
    queryKey: migrationKeys.report(),
    queryFn: ({ signal }) => fetchJson<ReportWithSince>("/api/migrations", signal),
    initialData,
    initialDataUpdatedAt: Date.parse(initialData.checkedAt),
    refetchInterval: applying ? MIGRATIONS_PROGRESS_POLL_INTERVAL_MS : MIGRATIONS_POLL_INTERVAL_MS,
  });
}
