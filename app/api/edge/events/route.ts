import type { NextRequest } from "next/server";
import { wafEventsView } from "@/lib/actions/edge/events-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

// The WAF events the edge logged, filtered by the query string (site, action, rule, requestId, limit);
// polled by the Events page.
export function GET(request: NextRequest) {
  return jsonRoute(request, "edge.events", { auth: "admin" }, () => wafEventsView(Object.fromEntries(request.nextUrl.searchParams)));
}
