import { ChangePasswordForm } from "@/components/auth/change-password-form";
import { SessionList } from "@/components/auth/session-list";
import { RelativeTime } from "@/components/ui/relative-time";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { accountPageData } from "@/lib/actions/auth/auth-queries";
import { guardPage } from "@/lib/auth/page-guard";

export const dynamic = "force-dynamic";

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ required?: string }> }) {
  const guard = await guardPage("/account");
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedies={guard.remedies} />;
  const { admin } = guard;
  const { required } = await searchParams;
  const loaded = await accountPageData(admin);
  if (loaded.kind === "degraded") return <DegradedNotice initial={loaded.health} remedies={loaded.remedies} />;
  const { sessions, events } = loaded;
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold">Account</h1>
      {(admin.user.mustChangePassword || required === "password") && (
        <p
          role="alert"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          Your password was reset on the server. Choose a new password to continue.
        </p>
      )}
      <section aria-labelledby="password-title" className="max-w-md">
        <h2 id="password-title" className="mb-3 text-lg font-semibold">
          Change password
        </h2>
        <ChangePasswordForm />
      </section>
      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title" className="mb-3 text-lg font-semibold">
          Active sessions
        </h2>
        <SessionList sessions={sessions} />
      </section>
      <section aria-labelledby="activity-title">
        <h2 id="activity-title" className="mb-3 text-lg font-semibold">
          Recent sign-in activity
        </h2>
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
          {events.map((e) => (
            <li key={e.id} className="flex flex-wrap gap-x-3 px-3 py-2" data-testid="auth-event">
              <RelativeTime iso={e.at.toISOString()} />
              <span className="font-medium">{e.event.replaceAll("_", " ")}</span>
              <span>{e.username}</span>
              {e.ipAddress && <span className="text-slate-500">from {e.ipAddress}</span>}
              {e.detail && <span className="text-slate-500">{e.detail}</span>}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
