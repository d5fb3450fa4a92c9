import { getSecurityStatus } from "@/lib/actions/security/security-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return jsonRoute(request, "security.status", { auth: "admin" }, () => getSecurityStatus());
}
