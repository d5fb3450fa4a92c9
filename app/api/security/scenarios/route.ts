import type { NextRequest } from "next/server";
import { db } from "@/lib/db";
import { listScenarios, parseScenarioQuery } from "@/lib/drift/scenario-list";
import { engineCrowdsecSettings } from "@/lib/engine/engine";
import { jsonRoute } from "@/lib/http";

export const dynamic = "force-dynamic";

// Every scenario the runtime offers, the panel's intent beside what is enabled on disk. ?q= filters.
export function GET(request: NextRequest) {
  return jsonRoute(request, "security.scenarios", { auth: "admin" }, async () => {
    const query = parseScenarioQuery(Object.fromEntries(request.nextUrl.searchParams));
    const { all: _all, ...list } = await listScenarios(db(), engineCrowdsecSettings(), query);
    return list;
  });
}
