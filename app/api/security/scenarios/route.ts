import type { NextRequest } from "next/server";
import { scenarioList } from "@/lib/actions/security/security-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

// Every scenario the runtime offers, the panel's intent beside what is enabled on disk. ?q= filters.
export function GET(request: NextRequest) {
  return jsonRoute(request, "security.scenarios", { auth: "admin" }, () => scenarioList(Object.fromEntries(request.nextUrl.searchParams)));
}
