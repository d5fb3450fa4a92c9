import type { NextRequest } from "next/server";
import { decisionListView } from "@/lib/actions/decisions/decision-list";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

// One page of CrowdSec's active decisions (?q=&origin=&type=&enforced=&page=&pageSize=&sort=), as the
// leader last persisted them; polled by the Decisions page. A bad parameter is a 400 naming it.
export function GET(request: NextRequest) {
  return jsonRoute(request, "decisions.list", { auth: "admin" }, () => decisionListView(Object.fromEntries(request.nextUrl.searchParams)));
}
