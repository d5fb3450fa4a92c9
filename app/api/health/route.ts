import { NextResponse } from "next/server";
import { healthBody } from "@/lib/migrations/health";
import { schemaGate } from "@/lib/migrations/gate";

export const dynamic = "force-dynamic";

/** Readiness: open (load balancers have no session); 200 only when the schema is healthy. */
export async function GET() {
  const gate = await schemaGate();
  return NextResponse.json(healthBody(gate), { status: gate.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
