import { notFound } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { SetupNeedsToken } from "@/components/auth/setup-needs-token";
import { adminExists } from "@/lib/auth/first-admin";
import { ensureSetupToken, setupTokenValid } from "@/lib/auth/setup-token";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { db } from "@/lib/db";
import { schemaGate } from "@/lib/migrations/gate";
import { healthBody } from "@/lib/migrations/health";

export const dynamic = "force-dynamic";

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const gate = await schemaGate();
  if (!gate.ok) return <DegradedNotice initial={healthBody(gate)} remedies={gate.report.remedies} />;
  // Gone for good once an admin exists.
  if (await adminExists(db())) notFound();
  const { token } = await searchParams;
  const given = typeof token === "string" ? token : null;
  if (!(await setupTokenValid(db(), given))) {
    // The schema may have become healthy after boot, before any token existed: make (and print) one.
    if (given === null) await ensureSetupToken(db());
    return <SetupNeedsToken invalid={given !== null} />;
  }
  return (
    <>
      <h1 className="mb-1 text-xl font-semibold">Create the first admin</h1>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">No admin account exists yet. This page disappears once one does.</p>
      <SetupForm token={given!} />
    </>
  );
}
