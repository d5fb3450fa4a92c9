"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ActionResult } from "@/lib/actions/action";
import { banDecisionAction, decisionCapabilitiesAction, listAlertsAction, unbanDecisionsAction } from "@/lib/actions/decisions";
import { decisionKeys } from "@/lib/client/decision-keys";
import { fetchJson } from "@/lib/client/fetch-json";
import type { DecisionListParams, DecisionListView } from "@/lib/decisions/decision-types";
import { ActionFailure } from "./use-protection-mutation";

/** A ban or an expiry shows within this (the leader syncs from LAPI within about a second). */
export const DECISIONS_POLL_INTERVAL_MS = 2_000;
/** Alerts are read from LAPI (not the persisted set): less often. */
export const ALERTS_POLL_INTERVAL_MS = 10_000;
const CAPABILITIES_POLL_INTERVAL_MS = 10_000;

async function unwrap<T>(result: ActionResult<T>): Promise<T> {
  if ("error" in result) throw new ActionFailure(result.error);
  return result.data;
}

export function decisionsUrl(params: DecisionListParams): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== "") query.set(key, String(value));
  return `/api/decisions?${query.toString()}`;
}

const sameParams = (a: DecisionListParams, b: DecisionListParams) => (Object.keys(a) as (keyof DecisionListParams)[]).every((k) => a[k] === b[k]);

/**
 * One page of decisions for the filters, polled. The first paint's data stands for the params it was
 * read with; while other params load, the previous rows stay (no layout shift).
 */
export function useDecisions(params: DecisionListParams, initial: { params: DecisionListParams; view: DecisionListView }) {
  return useQuery({
    queryKey: decisionKeys.list(params),
    queryFn: ({ signal }) => fetchJson<DecisionListView>(decisionsUrl(params), signal),
    initialData: sameParams(params, initial.params) ? initial.view : undefined,
    placeholderData: keepPreviousData,
    refetchInterval: DECISIONS_POLL_INTERVAL_MS,
    retry: 1,
  });
}

/** Whether ban, unban and alerts are available, and why not (bouncer key only, CrowdSec off…). */
export function useDecisionCapabilities() {
  return useQuery({
    queryKey: decisionKeys.capabilities(),
    queryFn: async () => unwrap(await decisionCapabilitiesAction()),
    refetchInterval: CAPABILITIES_POLL_INTERVAL_MS,
    retry: 1,
  });
}

export function useAlerts(enabled: boolean) {
  return useQuery({
    queryKey: decisionKeys.alerts(),
    queryFn: async () => unwrap(await listAlertsAction()),
    refetchInterval: ALERTS_POLL_INTERVAL_MS,
    enabled,
    retry: 1,
  });
}

export interface BanInput {
  value: string;
  duration: string;
  reason: string;
  confirmSelfBlock?: boolean;
}

/** A ban through LAPI; the list is read again before the mutation settles (the new row, or none). */
export function useBanDecision() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: BanInput) => unwrap(await banDecisionAction(input)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: decisionKeys.all }),
  });
}

export function useUnbanDecisions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (ids: number[]) => unwrap(await unbanDecisionsAction({ ids })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: decisionKeys.all }),
  });
}
