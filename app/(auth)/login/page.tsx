import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import { safeNextPath } from "@/lib/auth/credentials-schema";
import { currentAdmin } from "@/lib/auth/page-guard";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { signInPageState } from "@/lib/actions/auth/auth-queries";

export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  // Precedence: schema-degraded > first-run setup > login. While degraded, sign-in stays open if the
  // account tables are intact, and leads to the full migration report.
  const state = await signInPageState();
  if (state.kind === "degraded") return <DegradedNotice initial={state.health} remedies={state.remedies} />;
  if (state.kind === "no-admin") redirect("/setup");
  const target = state.schemaHealthy ? safeNextPath(next) : "/migrations";
  if (await currentAdmin()) redirect(target);
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Sign in</h1>
      <LoginForm next={target} />
    </>
  );
}
