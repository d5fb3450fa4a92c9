import { notFound } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { SetupNeedsToken } from "@/components/auth/setup-needs-token";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { setupPageState } from "@/lib/actions/auth/auth-queries";

export const dynamic = "force-dynamic";

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const given = typeof token === "string" ? token : null;
  const state = await setupPageState(given);
  if (state.kind === "degraded") return <DegradedNotice initial={state.health} remedies={state.remedies} />;
  // Gone for good once an admin exists.
  if (state.kind === "admin-exists") notFound();
  if (state.kind === "needs-token") return <SetupNeedsToken invalid={given !== null} />;
  return (
    <>
      <h1 className="mb-1 text-xl font-semibold">Create the first admin</h1>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">No admin account exists yet. This page disappears once one does.</p>
      <SetupForm token={given!} />
    </>
  );
}
