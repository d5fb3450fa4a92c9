import type { ReactNode } from "react";
import { AppShell } from "@/components/app-shell";
import { currentAdmin } from "@/lib/auth/page-guard";
import { schemaView } from "@/lib/actions/migrations/migration-queries";

export const dynamic = "force-dynamic";

// The shell shows status only to a signed-in admin; each page enforces the session (and the schema
// gate) itself.
export default async function PanelLayout({ children }: { children: ReactNode }) {
  const [schema, admin] = await Promise.all([schemaView(), currentAdmin()]);
  if (!admin) return <main className="mx-auto max-w-3xl p-6">{children}</main>;
  return (
    <AppShell schema={schema.report} username={admin.user.username}>
      {children}
    </AppShell>
  );
}
