import { notFound } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { adminExists } from "@/lib/auth/setup";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { db } from "@/lib/db";
import { schemaGate } from "@/lib/migrations/gate";
import { healthBody } from "@/lib/migrations/health";

export const dynamic = "force-dynamic";

export default async function SetupPage() {
  const gate = await schemaGate();
  if (!gate.ok) return <DegradedNotice initial={healthBody(gate)} remedy={gate.report.remedy} />;
  // Gone for good once an admin exists.
  if (await adminExists(db())) notFound();
  return (
    <>
      <h1 className="mb-1 text-xl font-semibold">Create the first admin</h1>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">No admin account exists yet. This page disappears once one does.</p>
      <SetupForm />
    </>
  );
}
