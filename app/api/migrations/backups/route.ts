import { jsonRoute } from "@/lib/http";
import { backupsDir, listBackups } from "@/lib/migrations/backup/catalog";

export const dynamic = "force-dynamic";

/** The backups under <WARDEN_DATA_DIR>/backups, newest first, each with its restore command (admins). */
export function GET(request: Request) {
  return jsonRoute(request, "migrations.backups", { auth: "admin", allowDegraded: true }, async () => {
    const dir = backupsDir();
    return { dir, backups: listBackups(dir) };
  });
}
