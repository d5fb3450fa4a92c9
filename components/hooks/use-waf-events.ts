"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { WafEventsView } from "@/lib/actions/edge/events-queries";
import { fetchJson } from "@/lib/client/fetch-json";
import { eventKeys, type EventFilterKey } from "@/lib/client/event-keys";

/** A blocked request shows within this (an admin reproducing a false positive watches for it). */
export const EVENTS_POLL_INTERVAL_MS = 2_000;

function eventsUrl(filter: EventFilterKey): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== "") query.set(key, value);
  const text = query.toString();
  return text === "" ? "/api/edge/events" : `/api/edge/events?${text}`;
}

/**
 * The WAF events for a filter, polled. The first paint's data stands for the filter it was read with;
 * while another filter loads, the previous rows stay (no layout shift).
 */
export function useWafEvents(filter: EventFilterKey, initial: { filter: EventFilterKey; view: WafEventsView }) {
  const isInitial = (Object.keys(filter) as (keyof EventFilterKey)[]).every((k) => filter[k] === initial.filter[k]);
  return useQuery({
    queryKey: eventKeys.list(filter),
    queryFn: ({ signal }) => fetchJson<WafEventsView>(eventsUrl(filter), signal),
    initialData: isInitial ? initial.view : undefined,
    placeholderData: keepPreviousData,
    refetchInterval: EVENTS_POLL_INTERVAL_MS,
    retry: 1,
  });
}
