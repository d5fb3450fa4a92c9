import type { NextRequest } from "next/server";
import { auditPage } from "@/lib/actions/security/security-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

export function GET(request: NextRequest) {
  return jsonRoute(request, "security.audit", { auth: "admin" }, () => auditPage(Object.fromEntries(request.nextUrl.searchParams)));
}
