import type { DecisionListParams } from "../decisions/decision-types";

// Query-key factory for the decisions feature.
export const decisionKeys = {
  all: ["decisions"] as const,
  lists: () => [...decisionKeys.all, "list"] as const,
  list: (params: DecisionListParams) => [...decisionKeys.lists(), params] as const,
  alerts: () => [...decisionKeys.all, "alerts"] as const,
  capabilities: () => [...decisionKeys.all, "capabilities"] as const,
};
