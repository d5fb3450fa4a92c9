import { jsonRoute } from "@/lib/http";
import { schemaGate } from "@/lib/migrations/gate";
import { currentMigrationJob } from "@/lib/migrations/job";

export const dynamic = "force-dynamic";

/**
 * The full migration report for the /migrations page (admins; the gate's cached report, ≤ 1 s old),
 * with the progress of migrations being applied from the page (`job`).
 */
export function GET(request: Request) {
  return jsonRoute(request, "migrations.report", { auth: "admin", allowDegraded: true }, async () => {
    const gate = await schemaGate();
    return { ...gate.report, degradedSince: gate.degradedSince, job: currentMigrationJob() };
  });
}
