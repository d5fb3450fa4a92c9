import { db } from "@/lib/db";
import { jsonRoute } from "@/lib/http";
import { getSecurityStatus } from "@/lib/security/security-status";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return jsonRoute(request, "security.status", { auth: "admin" }, () => getSecurityStatus(db()));
}
