import { currentDrift } from "@/lib/actions/security/security-queries";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

// The detector's cached snapshot with its age: never recomputed on the request path.
export function GET(request: Request) {
  return jsonRoute(request, "security.drift", { auth: "admin" }, () => currentDrift());
}
