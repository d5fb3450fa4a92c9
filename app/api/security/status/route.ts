import { db } from "@/lib/db";
import { jsonRoute } from "@/lib/http";
import { getSecurityStatus } from "@/lib/security/status";

export const dynamic = "force-dynamic";

export function GET() {
  return jsonRoute("security.status", () => getSecurityStatus(db()));
}
