export const migrationKeys = {
  all: ["migrations"] as const,
  report: () => [...migrationKeys.all, "report"] as const,
  health: () => [...migrationKeys.all, "health"] as const,
};
