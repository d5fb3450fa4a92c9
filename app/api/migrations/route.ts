import { migrationReport } from "@/lib/actions/migrations/migration-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

/**
 * The full migration report for the /migrations page (admins; the gate's cached report, ≤ 1 s old),
 * with the progress of migrations being applied from the page (`job`).
 */
export function GET(request: Request) {
  return jsonRoute(request, "migrations.report", { auth: "admin", allowDegraded: true }, () => migrationReport());
}
