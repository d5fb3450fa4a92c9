import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

// Who am I: the signed-in admin's username (401 without a session). Also the "trivial authenticated
// route" bench:drift measures GET /api/security/drift against.
export function GET(request: Request) {
  return jsonRoute(request, "session", { auth: "admin" }, async ({ admin }) => ({ username: admin!.user.username }));
}
