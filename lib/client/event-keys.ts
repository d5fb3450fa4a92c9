// Query-key factory for the WAF events feature.
export interface EventFilterKey {
  site: string;
  action: string;
  rule: string;
  requestId: string;
}

export const eventKeys = {
  all: ["waf-events"] as const,
  list: (filter: EventFilterKey) => [...eventKeys.all, "list", filter] as const,
};
