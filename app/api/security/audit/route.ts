import type { NextRequest } from "next/server";
import { db } from "@/lib/db";
import { jsonRoute } from "@/lib/http";
import { listAudit, parseAuditQuery } from "@/lib/audit/list";

export const dynamic = "force-dynamic";

export function GET(request: NextRequest) {
  return jsonRoute(request, "security.audit", { auth: "admin" }, () => listAudit(db(), parseAuditQuery(Object.fromEntries(request.nextUrl.searchParams))));
}
