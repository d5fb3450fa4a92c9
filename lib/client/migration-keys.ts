export const migrationKeys = {
  all: ["migrations"] as const,
  report: () => [...migrationKeys.all, "report"] as const,
  health: () => [...migrationKeys.all, "health"] as const,
  backups: () => [...migrationKeys.all, "backups"] as const,
  mutation: (kind: "test" | "apply") => [...migrationKeys.all, "mutation", kind] as const,
};
