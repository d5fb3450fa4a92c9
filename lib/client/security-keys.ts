// Query-key factory for the security feature: every key the client uses comes from here.
export const securityKeys = {
  all: ["security"] as const,
  status: () => [...securityKeys.all, "status"] as const,
  auditAll: () => [...securityKeys.all, "audit"] as const,
  audit: (page: number, pageSize: number) => [...securityKeys.auditAll(), { page, pageSize }] as const,
  /** Mutation keys: the status poll speeds up while any of these is in flight. */
  mutations: () => [...securityKeys.all, "mutation"] as const,
  mutation: (kind: "toggle" | "update") => [...securityKeys.mutations(), kind] as const,
};
