import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import { safeNextPath } from "@/lib/auth/credentials-schema";
import { currentAdmin } from "@/lib/auth/page-guard";
import { adminExists } from "@/lib/auth/setup";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { db } from "@/lib/db";
import { schemaGate } from "@/lib/migrations/gate";
import { healthBody } from "@/lib/migrations/health";

export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const target = safeNextPath(next);
  // Precedence: schema-degraded > first-run setup > login (accounts may not even be readable).
  const gate = await schemaGate();
  if (!gate.ok) return <DegradedNotice initial={healthBody(gate)} remedy={gate.report.remedy} />;
  if (!(await adminExists(db()))) redirect("/setup");
  if (await currentAdmin()) redirect(target);
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Sign in</h1>
      <LoginForm next={target} />
    </>
  );
}
