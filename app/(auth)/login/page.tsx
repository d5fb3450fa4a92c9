import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import { safeNextPath } from "@/lib/auth/credentials-schema";
import { currentAdmin } from "@/lib/auth/page-guard";
import { adminExists } from "@/lib/auth/first-admin";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { db } from "@/lib/db";
import { schemaGate } from "@/lib/migrations/gate";
import { healthBody, sessionsUsable } from "@/lib/migrations/health";

export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  // Precedence: schema-degraded > first-run setup > login. While degraded, sign-in stays open if the
  // account tables are intact, and leads to the full migration report.
  const gate = await schemaGate();
  if (!gate.ok && !sessionsUsable(gate)) return <DegradedNotice initial={healthBody(gate)} remedies={gate.report.remedies} />;
  const target = gate.ok ? safeNextPath(next) : "/migrations";
  if (!(await adminExists(db()))) redirect("/setup");
  if (await currentAdmin()) redirect(target);
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Sign in</h1>
      <LoginForm next={target} />
    </>
  );
}
