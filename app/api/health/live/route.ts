import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

/** Liveness: the process answers. Touches no database (readiness is /api/health). */
export function GET() {
  return NextResponse.json({ status: "live" }, { headers: { "Cache-Control": "no-store" } });
}
