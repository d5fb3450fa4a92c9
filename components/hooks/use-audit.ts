"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/client/fetch-json";
import { securityKeys } from "@/lib/client/security-keys";
import type { AuditPage } from "@/lib/audit/list";

// Other admins' changes appear without a reload; the audit log changes less often than status.
export const AUDIT_POLL_INTERVAL_MS = 15_000;

export function useAudit(page: number, pageSize: number) {
  return useQuery({
    queryKey: securityKeys.audit(page, pageSize),
    queryFn: ({ signal }) => fetchJson<AuditPage>(`/api/security/audit?page=${page}&pageSize=${pageSize}`, signal),
    placeholderData: keepPreviousData,
    refetchInterval: AUDIT_POLL_INTERVAL_MS,
  });
}
