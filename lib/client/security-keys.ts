// Query-key factory for the security feature: every key the client uses comes from here.
export const securityKeys = {
  all: ["security"] as const,
  status: () => [...securityKeys.all, "status"] as const,
  auditAll: () => [...securityKeys.all, "audit"] as const,
  audit: (page: number, pageSize: number) => [...securityKeys.auditAll(), { page, pageSize }] as const,
  /** The drift detector's cached snapshot: one query feeds the banner, the tab dots and the header pill. */
  drift: () => [...securityKeys.all, "drift"] as const,
  scenariosAll: () => [...securityKeys.all, "scenarios"] as const,
  scenarios: (q: string) => [...securityKeys.scenariosAll(), { q }] as const,
  /** Mutation keys: the status and drift polls speed up while any of these is in flight. */
  mutations: () => [...securityKeys.all, "mutation"] as const,
  mutation: (kind: "toggle" | "update" | "scenario" | "apply" | "repair-mirror" | "verify") => [...securityKeys.mutations(), kind] as const,
};
