import { backupList } from "@/lib/actions/migrations/migration-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

/** The backups under <WARDEN_DATA_DIR>/backups, newest first, each with its restore command (admins). */
export function GET(request: Request) {
  return jsonRoute(request, "migrations.backups", { auth: "admin", allowDegraded: true }, async () => backupList());
}
