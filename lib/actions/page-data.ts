import "server-only";
import { degradedView, type DegradedView } from "../auth/page-guard";
import { orDegraded } from "../migrations/gate";

/**
 * A page's data, or the schema-degraded notice to show instead when loading it failed because the
 * schema broke since the page's guard looked (orDegraded). Other failures are rethrown.
 */
export async function pageData<T extends object>(load: () => Promise<T>): Promise<({ kind: "ready" } & T) | DegradedView> {
  const loaded = await orDegraded(load);
  return loaded.ok ? { kind: "ready", ...loaded.value } : degradedView(loaded.gate);
}
