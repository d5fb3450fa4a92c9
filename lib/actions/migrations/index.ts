// The migration area's use cases (the health page), one per file. Components import them from here.
export { applyMigrationsAction } from "./apply-migrations";
export { testMigrationsAction } from "./test-on-copy";
