import { NextResponse } from "next/server";
import { schemaView } from "@/lib/actions/migrations/migration-queries";

export const dynamic = "force-dynamic";

/** Readiness: open (load balancers have no session); 200 only when the schema is healthy. */
export async function GET() {
  const gate = await schemaView();
  return NextResponse.json(gate.health, { status: gate.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
