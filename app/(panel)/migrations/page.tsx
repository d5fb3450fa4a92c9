import { redirect } from "next/navigation";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { MigrationsView } from "@/components/migrations/migrations-view";
import { hasAdmin } from "@/lib/actions/auth/auth-queries";
import { schemaView } from "@/lib/actions/migrations/migration-queries";
import { currentAdmin } from "@/lib/auth/page-guard";
import Link from "next/link";
import { CliSafetyCommands } from "@/components/migrations/cli-safety-commands";

export const dynamic = "force-dynamic";

/**
 * Full report for a signed-in admin. While the schema is degraded and nobody can sign in (database
 * down, auth tables missing), a reduced view without login: the summary, what is missing, the command.
 * Full detail then: `npm run cli -- status` on the server. An admin who must still change a one-time
 * password gets the reduced view too, until they have.
 */
export default async function MigrationsPage() {
  const gate = await schemaView();
  const admin = await currentAdmin();
  if (admin && !admin.user.mustChangePassword) return <MigrationsView initial={{ ...gate.report, degradedSince: gate.degradedSince }} />;
  // A session on a one-time password (reset by the CLI) is not yet the admin's own: the summary only.
  if (admin) {
    return (
      <div className="space-y-4" data-testid="migrations-reduced">
        {gate.ok ? (
          <p
            data-testid="migration-summary"
            data-status={gate.report.status}
            className="mx-auto max-w-2xl rounded-md border border-emerald-300 bg-emerald-50 px-4 py-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
          >
            {gate.health.summary}
          </p>
        ) : (
          <DegradedNotice initial={gate.health} remedies={gate.report.remedies} />
        )}
        <p className="mx-auto max-w-2xl text-sm text-slate-600 dark:text-slate-300">
          This is the reduced view.{" "}
          <Link href="/account?required=password" className="font-medium underline">
            Choose a new password
          </Link>{" "}
          for the full report.
        </p>
      </div>
    );
  }
  if (!gate.ok) {
    return (
      <div className="space-y-4">
        <DegradedNotice initial={gate.health} remedies={gate.report.remedies} />
        {gate.report.status === "pending" && <CliSafetyCommands />}
        <p className="mx-auto max-w-2xl text-sm text-slate-600 dark:text-slate-300">
          This is the reduced view shown without signing in.{" "}
          {gate.sessionsUsable ? (
            <Link href="/login?next=%2Fmigrations" className="font-medium underline">
              Sign in for the full report
            </Link>
          ) : (
            "Sign-in is unavailable until the schema is repaired"
          )}
          , or run <code>npm run cli -- status</code> on the server.
        </p>
      </div>
    );
  }
  if (!(await hasAdmin())) redirect("/setup");
  redirect("/login?next=%2Fmigrations");
}
