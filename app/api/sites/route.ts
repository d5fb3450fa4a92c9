import { sitesView } from "@/lib/actions/sites/sites-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

// The sites behind the edge, polled by the Sites page.
export function GET(request: Request) {
  return jsonRoute(request, "sites.list", { auth: "admin" }, () => sitesView());
}
